"""Word lists: the fillers that make one template into thousands of distinct prompts.

Every list is a grammar rule (each entry a template, so entries may hold choices and
slots too). Numbers are rules as well, so a template can say ``{n2}`` for a two-digit
number without the caller passing values.
"""

from __future__ import annotations

from typing import Final

__all__ = ["LEXICON"]


def _numbers(lo: int, hi: int) -> list[str]:
    return [str(i) for i in range(lo, hi + 1)]


LEXICON: Final[dict[str, list[str]]] = {
    # --- numbers --------------------------------------------------------------------------
    "n1": _numbers(2, 9),
    "n2": _numbers(10, 99),
    "n3": _numbers(100, 999),
    "n4": _numbers(1000, 9999),
    "pct": _numbers(1, 60),
    "year": _numbers(1780, 2025),
    "small": _numbers(3, 12),
    "money": [f"{d}{u}" for d in ("$", "€", "£") for u in ("12", "45", "120", "2,500", "80k", "1.2M", "300", "49.99")],
    # --- people and places ----------------------------------------------------------------
    "name": [
        "Alice", "Bob", "Priya", "Wei", "Fatima", "Lukas", "Sofia", "Kenji", "Amara", "Diego",
        "Olga", "Mateo", "Aisha", "Noah", "Yuki", "Chloe", "Ravi", "Ines", "Tomasz", "Leila",
        "Hannah", "Omar", "Mia", "Jonas", "Camila", "Arjun", "Nora", "Ivan", "Zara", "Eli",
        "Grace", "Hiro", "Lina", "Marco", "Ada", "Sven", "Thandiwe", "Bianca", "Kwame", "Rosa",
    ],
    "city": [
        "Berlin", "Lagos", "Austin", "Osaka", "Lyon", "Pune", "Toronto", "Melbourne", "Seoul",
        "Bogotá", "Nairobi", "Kraków", "Porto", "Denver", "Manila", "Istanbul", "Oslo",
        "Chicago", "Valencia", "Hanoi", "Cape Town", "Montreal", "Edinburgh", "Lima", "Taipei",
    ],
    "country_name": [
        "Brazil", "Kenya", "Japan", "Germany", "India", "Canada", "Mexico", "Vietnam",
        "Poland", "Nigeria", "Australia", "France", "Indonesia", "Chile", "Egypt", "Norway",
    ],
    "language": [
        "Spanish", "French", "German", "Japanese", "Korean", "Mandarin Chinese", "Hindi",
        "Portuguese", "Italian", "Arabic", "Turkish", "Vietnamese", "Polish", "Dutch",
        "Swahili", "Indonesian", "Ukrainian", "Greek", "Hebrew", "Thai", "Bengali", "Tagalog",
    ],
    # --- software -------------------------------------------------------------------------
    "plang": [
        "Python", "TypeScript", "JavaScript", "Go", "Rust", "Java", "Kotlin", "C#", "C++", "C",
        "Swift", "Ruby", "PHP", "Scala", "Elixir", "Haskell", "R", "Julia", "Bash", "SQL",
        "Dart", "Lua", "Zig", "OCaml", "Clojure", "F#", "Perl", "MATLAB", "python", "js", "ts",
    ],
    "framework": [
        "React", "Next.js", "Django", "FastAPI", "Flask", "Spring Boot", "Rails", "Laravel",
        "Express", "NestJS", "Vue", "Svelte", "Angular", "pandas", "NumPy", "PyTorch",
        "TensorFlow", "scikit-learn", "Kubernetes", "Terraform", "Docker", "Airflow", "Spark",
        "Kafka", "PostgreSQL", "Postgres", "Redis", "MongoDB", "GraphQL", "gRPC", "Tailwind",
        "SQLAlchemy", "Prisma", "Celery", "Pydantic", "asyncio", "Tokio", "Axum", "Gin",
        ".NET", "Unity", "Flutter", "SwiftUI", "Jetpack Compose", "LangChain", "dbt",
        "Snowflake", "BigQuery", "Elasticsearch", "nginx", "GitHub Actions", "Jest", "pytest",
        "Playwright", "Vite", "webpack", "Supabase", "Firebase", "Stripe API", "Polars",
    ],
    "code_task": [
        "implement an LRU cache",
        "write a token bucket rate limiter",
        "merge overlapping intervals",
        "parse ISO 8601 timestamps with time zones",
        "debounce a search input",
        "retry an HTTP call with exponential backoff",
        "stream a large CSV file and compute per-column averages",
        "deduplicate records by email, keeping the newest",
        "validate a JSON payload against a schema",
        "paginate a REST API that uses cursor tokens",
        "write a trie with prefix search",
        "detect a cycle in a directed graph",
        "compute the median of a stream of numbers",
        "implement Dijkstra's algorithm",
        "build a simple pub/sub in memory",
        "write a CLI that renames files by their EXIF date",
        "resize images in parallel",
        "hash passwords properly",
        "upload a file to S3 with a presigned URL",
        "implement optimistic locking on an update",
        "flatten a nested dictionary",
        "diff two JSON documents",
        "schedule a job every weekday at 9am",
        "convert a recursive function to an iterative one",
        "write a binary search that returns the insertion point",
        "tokenize a simple arithmetic expression and evaluate it",
        "implement a ring buffer",
        "add structured logging",
        "read environment variables with defaults",
        "write a websocket echo server",
        "implement cursor-based pagination in {framework}",
        "set up a health check endpoint",
        "cache expensive function results with a TTL",
        "batch inserts into {framework}",
        "handle graceful shutdown on SIGTERM",
        "write a thread-safe counter",
        "compute a rolling 7-day average",
        "implement a bloom filter",
        "generate a slug from a title",
        "find the k most frequent words in a file",
        "check whether a string is a valid IPv6 address",
        "serialize a tree to a string and back",
        "throttle API calls to {n2} per second",
        "implement a simple state machine for order status",
        "add JWT authentication to an endpoint",
        "mock a database call in a unit test",
        "write a migration that adds a non-null column to a big table",
        "render a markdown table from a list of dicts",
        "implement a priority queue with decrease-key",
        "compute the Levenshtein distance",
    ],
    "code_thing": [
        "this function", "my Dockerfile", "this SQL query", "the migration", "this regex",
        "the CI pipeline", "my useEffect hook", "this class", "the reducer", "this bash script",
        "my Terraform module", "the k8s deployment yaml", "this unit test", "the API handler",
        "this recursive function", "my pandas groupby", "the webpack config", "this loop",
        "the auth middleware", "my nginx config", "this stored procedure", "the cron job",
    ],
    "code_problem": [
        "it's really slow", "it leaks memory", "it hangs forever", "it returns None",
        "the test is flaky", "it works locally but not in CI", "it deadlocks sometimes",
        "it gives off-by-one results", "it breaks on empty input", "the types don't check",
        "it double counts some rows", "it crashes with unicode input", "it times out",
        "it uses way too much RAM", "the output order is random",
    ],
    "error_message": [
        "TypeError: Cannot read properties of undefined (reading 'map')",
        "ModuleNotFoundError: No module named '{module}'",
        "panic: runtime error: index out of range [{n1}] with length {n1}",
        "error[E0502]: cannot borrow `{ident}` as mutable because it is also borrowed as immutable",
        "connect ECONNREFUSED 127.0.0.1:5432",
        "java.lang.NullPointerException at {ident}Service.java:{n3}",
        "Segmentation fault (core dumped)",
        "Access to fetch at 'http://localhost:{n4}' has been blocked by CORS policy",
        "OOMKilled",
        "Back-off restarting failed container (CrashLoopBackOff)",
        "psycopg2.OperationalError: could not connect to server: Connection refused",
        "KeyError: '{ident}'",
        "SyntaxError: Unexpected token '<', \"<!DOCTYPE \" is not valid JSON",
        "fatal: refusing to merge unrelated histories",
        "x509: certificate signed by unknown authority",
        "RuntimeError: CUDA out of memory. Tried to allocate {n3}.00 MiB",
        "ValueError: operands could not be broadcast together with shapes ({n2},) ({n1},)",
        "UnicodeDecodeError: 'utf-8' codec can't decode byte 0x{n2} in position {n3}",
        "Error: listen EADDRINUSE: address already in use :::{n4}",
        "sqlalchemy.exc.IntegrityError: duplicate key value violates unique constraint",
        "AttributeError: 'NoneType' object has no attribute '{ident}'",
        "TS2339: Property '{ident}' does not exist on type '{{}}'",
        "ImportError: cannot import name '{ident}' from partially initialized module",
        "Hydration failed because the initial UI does not match what was rendered on the server",
        "RecursionError: maximum recursion depth exceeded",
        "error: linker `cc` not found",
        "permission denied while trying to connect to the Docker daemon socket",
        "django.db.utils.ProgrammingError: relation \"{ident}\" does not exist",
    ],
    "module": [
        "requests", "numpy", "torch", "pydantic_settings", "dotenv", "yaml", "cv2", "sklearn",
        "boto3", "fastapi", "jwt", "psycopg2", "redis", "google.cloud", "tqdm", "bs4",
    ],
    "ident": [
        "user_id", "orderTotal", "items", "config", "session", "cart", "payload", "token",
        "customer", "row", "buffer", "handler", "invoice", "users", "ctx", "result", "node",
        "account", "request", "metrics", "data", "cache", "queue", "profile", "event",
    ],
    "code_snippet": [
        "def {ident}(xs):\n    out = []\n    for x in xs:\n        if x not in out:\n"
        "            out.append(x)\n    return out",
        "SELECT u.id, COUNT(o.id) FROM users u LEFT JOIN orders o ON o.user_id = u.id "
        "WHERE o.created_at > now() - interval '{n2} days' GROUP BY u.id;",
        "useEffect(() => {{\n  fetch(`/api/{ident}`).then(r => r.json()).then(set{ident});\n}});",
        "for i in range(len({ident})):\n    for j in range(len({ident})):\n"
        "        if {ident}[i] == {ident}[j] and i != j:\n            dupes += 1",
        "func handler(w http.ResponseWriter, r *http.Request) {{\n  var {ident} map[string]any\n"
        "  json.NewDecoder(r.Body).Decode(&{ident})\n}}",
        "let mut v = vec![1, 2, 3];\nlet first = &v[0];\nv.push({n1});\nprintln!(\"{{}}\", first);",
        "df.groupby('{ident}').apply(lambda g: g.sort_values('ts').iloc[-1])",
        "const [{ident}, set] = useState([]);\n{ident}.push(item);\nset({ident});",
        "public int {ident}(int[] a) {{ int s = 0; for (int i = 0; i <= a.length; i++) s += a[i];"
        " return s; }}",
        "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: {n1}\n  template:\n"
        "    spec:\n      containers:\n      - name: api\n        resources:\n"
        "          limits: {{memory: {n3}Mi}}",
        "async def fetch_all(urls):\n    return [await fetch(u) for u in urls]",
        "re.match(r'^(\\w+)@(\\w+)\\.com$', email)",
    ],
    # --- writing and business -------------------------------------------------------------
    "doc_kind": [
        "email", "cover letter", "LinkedIn post", "product description", "blog intro",
        "press release", "tweet thread", "job posting", "meeting agenda", "apology email",
        "project update", "newsletter section", "landing page headline", "toast",
        "thank-you note", "performance review paragraph", "README section", "FAQ entry",
        "grant abstract", "sales follow-up", "onboarding checklist", "status report",
    ],
    "subject": [
        "our product launch", "a delayed shipment", "my resignation", "a price increase",
        "the new office", "a team offsite", "a data breach notice", "our Series A",
        "a farewell to a colleague", "a bake sale", "switching to a four-day week",
        "a customer who was double charged", "the Q{n1} roadmap", "a conference talk",
        "my sister's wedding", "volunteering at the food bank", "an outage last night",
        "a new loyalty program", "a hiring freeze", "our sustainability goals",
    ],
    "tone": [
        "friendly", "formal", "concise", "warm but professional", "funny", "persuasive",
        "neutral", "empathetic", "confident", "casual", "more upbeat", "less salesy",
    ],
    "audience": [
        "my manager", "a customer", "new hires", "investors", "a ten-year-old", "my landlord",
        "the engineering team", "a recruiter", "my professor", "non-technical stakeholders",
        "a hospital board", "high school students", "our users", "the city council",
    ],
    # --- science and the professions ------------------------------------------------------
    "condition": [
        "type 2 diabetes", "hypertension", "migraine", "asthma", "atrial fibrillation",
        "community-acquired pneumonia", "major depressive disorder", "iron-deficiency anemia",
        "hypothyroidism", "rheumatoid arthritis", "chronic kidney disease", "gout",
        "Lyme disease", "sepsis", "COPD", "heart failure with reduced ejection fraction",
        "celiac disease", "psoriasis", "GERD", "osteoporosis",
    ],
    "drug": [
        "metformin", "lisinopril", "atorvastatin", "warfarin", "apixaban", "sertraline",
        "levothyroxine", "amoxicillin", "prednisone", "insulin glargine", "semaglutide",
        "ibuprofen", "omeprazole", "methotrexate", "digoxin", "furosemide", "lithium",
    ],
    "patient_group": [
        "elderly patients", "pregnant women", "children", "patients with renal impairment",
        "adults", "athletes", "patients on anticoagulants", "adolescents",
    ],
    "reaction": [
        "Fe + O2 -> Fe2O3", "C3H8 + O2 -> CO2 + H2O", "KMnO4 + HCl -> KCl + MnCl2 + Cl2 + H2O",
        "Al + CuSO4 -> Al2(SO4)3 + Cu", "NH3 + O2 -> NO + H2O", "C6H12O6 + O2 -> CO2 + H2O",
    ],
    "molecule": [
        "benzene", "water", "ammonia", "carbon dioxide", "ethanol", "acetic acid", "methane",
        "sulfuric acid", "glucose", "caffeine", "aspirin", "ozone", "diamond", "graphene",
    ],
    "chem_concept": [
        "Le Chatelier's principle", "SN1 vs SN2 reactions", "electronegativity trends",
        "buffer solutions", "hybridization of carbon", "Gibbs free energy", "chirality",
        "the Haber process", "redox titration", "aromaticity", "activation energy",
    ],
    "physics_concept": [
        "special relativity", "quantum tunneling", "entropy", "the photoelectric effect",
        "angular momentum", "Maxwell's equations", "the double-slit experiment", "Bernoulli's"
        " principle", "superconductivity", "black-body radiation", "the Doppler effect",
        "Lagrangian mechanics", "wave-particle duality", "nuclear fission",
    ],
    "bio_concept": [
        "CRISPR", "mitosis vs meiosis", "the Krebs cycle", "natural selection", "mRNA vaccines",
        "the immune response", "photosynthesis", "epigenetics", "protein folding",
        "the microbiome", "action potentials", "horizontal gene transfer",
    ],
    "legal_topic": [
        "adverse possession", "non-compete clauses", "fair use", "at-will employment",
        "the GDPR right to erasure", "force majeure", "consideration in contract law",
        "piercing the corporate veil", "the statute of limitations for fraud",
        "security deposits", "implied warranties", "trademark dilution",
        "the business judgment rule", "promissory estoppel", "the hearsay rule",
    ],
    "jurisdiction": [
        "California", "New York", "English", "German", "EU", "Texas", "Ontario", "Australian",
        "Indian", "French", "Delaware", "Singapore",
    ],
    "econ_concept": [
        "inflation", "comparative advantage", "quantitative easing", "the Phillips curve",
        "price elasticity", "moral hazard", "the tragedy of the commons", "opportunity cost",
        "yield curve inversion", "network effects", "game theory in oligopolies",
    ],
    "history_event": [
        "the fall of Constantinople", "the French Revolution", "the Meiji Restoration",
        "the Cuban Missile Crisis", "the printing press", "the partition of India",
        "the Industrial Revolution", "the collapse of the Bronze Age", "the Marshall Plan",
        "the Haitian Revolution", "the Silk Road", "the Space Race", "the Black Death",
    ],
    "philosophy_q": [
        "free will", "the trolley problem", "personal identity", "moral relativism",
        "the ship of Theseus", "utilitarianism vs deontology", "the problem of induction",
        "consciousness", "the veil of ignorance", "Stoicism",
    ],
    "math_area": [
        "linear algebra", "probability", "calculus", "number theory", "combinatorics",
        "graph theory", "statistics", "differential equations", "topology", "group theory",
        "real analysis", "geometry",
    ],
    "function": [
        "x^3 - {n1}x", "sin(x)cos(x)", "e^({n1}x)", "ln(x^2 + 1)", "x e^x", "1/(1+x^2)",
        "sqrt(x)", "x^{n1} ln x", "tan(x)", "arctan({n1}x)",
    ],
    "puzzle_object": [
        "coins", "marbles", "socks", "cards", "apples", "keys", "light bulbs", "boxes",
    ],
    "food": [
        "chickpeas", "leftover rice", "salmon", "tofu", "sourdough starter", "zucchini",
        "chicken thighs", "lentils", "eggplant", "spinach", "mushrooms", "sweet potatoes",
    ],
    "hobby": [
        "running", "chess", "guitar", "woodworking", "rock climbing", "photography", "baking",
        "gardening", "learning Japanese", "sketching", "swimming", "3D printing",
    ],
    "sentence": [
        "The meeting has been moved to Thursday afternoon.",
        "Please keep the receipt in case you need a refund.",
        "I would have called you if I had known you were in town.",
        "The results were surprising, but not for the reasons we expected.",
        "Our team is looking forward to working with you next year.",
        "Could you tell me where the nearest pharmacy is?",
        "The river rose so quickly that the bridge was closed overnight.",
        "She said she'd finish the report before the deadline, and she did.",
        "Despite the rain, the market was busier than ever.",
        "If you break it, you have to tell someone.",
    ],
}
