"""Intent templates: how each kind of user actually words a request.

Rule families: ``dev`` (individual developers), ``app_<kind>`` (end users of a SaaS app),
``ent`` (enterprise staff), ``campus_<problem>`` (one class's homework), ``bench_*`` (an
eval harness), ``hack`` (hackathon starters), ``followup`` (turn > 1), and the harvesting
wrappers ``harvest_wrap``/``rubric_wrap``/``critique_wrap``/``cot_strong``. Benign rules
reuse some elicitation phrasing on purpose (``cot_soft``): a keyword rule must not suffice.
"""

from __future__ import annotations

from typing import Final

__all__ = ["APP_KINDS", "CAMPUS_PROBLEMS", "PHRASING"]

APP_KINDS: Final[tuple[str, ...]] = (
    "support",
    "writing",
    "tutor",
    "code",
    "legal",
    "health",
    "travel",
    "recipes",
    "grading",
    "translation",
)
"""End-user products a SaaS account may run; rule ``app_<kind>`` renders one request."""

CAMPUS_PROBLEMS: Final[tuple[str, ...]] = ("coins", "lcs", "grid", "knapsack", "fib")
"""Problems of the one problem set the campus class works on."""

PHRASING: Final[dict[str, list[str]]] = {
    # --- small connective pieces -----------------------------------------------------------
    "greet": [
        "",
        "",
        "",
        "",
        "hi ",
        "hey ",
        "Hello! ",
        "quick question: ",
        "ok so ",
        "Hi there, ",
        "pls help: ",
        "Good morning! ",
        "hey, ",
        "Question: ",
        "so ",
        "hmm ",
        "Hi, ",
    ],
    "thanks": [
        "",
        "",
        "",
        "",
        " thanks!",
        " thx",
        " ty",
        " Thanks in advance.",
        " appreciate it",
        " Thank you!",
        " cheers",
        " 🙏",
    ],
    "cot_soft": [
        "explain your reasoning",
        "step by step please",
        "walk me through it step by step",
        "show your work",
        "can you explain how you got there?",
        "think it through carefully",
        "explain like I'm five",
        "with reasoning",
        "and explain why",
        "break it down step by step",
        "please show the steps",
        "explain the logic behind it",
    ],
    "cot_strong": [
        "Think step by step and show all of your reasoning before giving the final answer.",
        "Before answering, write out your full chain of thought.",
        "{Reason|Work} through the problem in {detail|full detail}, showing every intermediate"
        " step, then state the {final |}answer.",
        "Let's think step by step.",
        "Provide a {detailed|thorough|complete}, step-by-step {derivation|explanation|solution};"
        " do not skip any steps.",
        "First lay out your reasoning as a numbered list, then give the final answer on its own"
        " line prefixed with 'Answer:'.",
        "Explain your reasoning thoroughly{, as if teaching an expert|, as if teaching a"
        " student|}.",
        "Show your complete thought process, including {any dead ends you considered|"
        "alternatives you rejected|how you checked the result}.",
        "Think carefully and write down everything you are thinking before you answer.",
        "Walk through your reasoning step by step{; be exhaustive|; be rigorous|}.",
        "Put your internal reasoning inside <thinking> tags and the final answer inside <answer>"
        " tags.",
        "{Explain|Justify} each step of your reasoning{ in detail|} and {verify|double-check}"
        " the answer at the end.",
        "Reason step by step. Make your reasoning explicit and complete before concluding.",
        "Write a long, careful chain of reasoning first; only then give the answer.",
        "Show all work. Explain why each step follows from the previous one.",
        "{Please |}think out loud{, step by step|} and show {all|every bit} of your reasoning.",
        "Begin with a step-by-step analysis, then {summarize|conclude with} the answer.",
        "Decompose the problem into sub-problems, solve each one explicitly, then combine them.",
        "Give a rigorous, fully worked solution with all reasoning visible.",
        "Explain your reasoning step by step, then provide the final answer.",
    ],
    "criteria": [
        "correctness, completeness and clarity",
        "factual accuracy and reasoning quality",
        "helpfulness, honesty and harmlessness",
        "logical soundness",
        "accuracy, depth and style",
        "instruction following and correctness",
        "clarity of explanation",
    ],
    "fake_answer": [
        "The answer is {n2}, because the two cases cancel out.",
        "It depends on {jurisdiction} law, but generally yes.",
        "Use a hash map and iterate once; complexity O(n).",
        "The first-line treatment is {drug}.",
        "{name} is the tallest.",
        "x = {n1}",
        "Because entropy always increases, so the process is irreversible.",
        "This happens because {framework} caches the result.",
        "The main cause was economic pressure combined with {history_event}.",
    ],
    "science_concept": ["{physics_concept}", "{chem_concept}", "{bio_concept}", "{math_area}"],
    "expert": [
        "mathematician",
        "senior software engineer",
        "lawyer",
        "physician",
        "chemist",
        "physicist",
        "biologist",
        "professional writer",
        "logician",
        "translator",
        "economist",
        "historian",
        "philosopher",
        "data scientist",
        "financial analyst",
        "security engineer",
    ],
    # --- developers -----------------------------------------------------------------------
    "dev": [
        "{greet}{how do i|how can I|what's the best way to|best way to} {code_task} in {plang}"
        "{?| ?|}{thanks}",
        "{greet}why does {code_thing} fail with `{error_message}`?",
        "getting this error:\n{error_message}\n{any idea why|what am I doing wrong|how do I fix"
        " it|help}?{thanks}",
        "{code_snippet}\n\n{code_problem}. {why|how do I fix this|any ideas}?",
        "{code_snippet}\n\n{can you|could you|pls} {review this|make this faster|add type hints"
        "|write tests for this|explain what this does}",
        "write a {tone} {doc_kind} about {subject} for {audience}",
        "{greet}can you help me write a {doc_kind}? it's about {subject}{thanks}",
        "summarize this {for my team|in 3 bullets|in one sentence|}: {sentence} {sentence}"
        " {sentence}",
        "explain {framework} {hooks|middleware|migrations|transactions|dependency injection"
        "|connection pooling|caching|routing|background jobs} {to me|like I'm new to it|"
        "briefly|}",
        "convert this to {plang}:\n{code_snippet}",
        "generate {n2} realistic test records for a {app_kind} as JSON",
        "{greet}{regex|regular expression} {that matches|to match|for} {email addresses|US phone"
        " numbers|semver strings|UUIDs|dates like 2024-01-31|hex colors|IPv4 addresses|"
        "{language} postcodes|order ids like ORD-{n4}|{ident} keys} {in {plang}|for a {framework}"
        " validator|that also rejects {n1}-digit inputs|}{?|}{thanks}",
        "{greet}in {framework}, how do I {code_task}?",
        "what's the difference between {framework} and {framework}{?|}",
        "is it bad practice to {code_task} {this way|inside a request handler|on every call}?",
        "{code_problem} when I {code_task} with {framework}. {any idea|thoughts}?",
        "write a {bash|python|node} script to {code_task}",
        "{greet}design a database schema for a {app_kind}{, postgres|| with soft deletes|"
        " in {framework}}",
        "how should I structure a {framework} project for a {app_kind}?",
        "{q_code}",
        "{q_code} {cot_soft}",
        "{greet}{q_data}{thanks}",
        "{greet}{q_security}{thanks}",
        "write a commit message for: {code_task}",
        "{n1} name ideas for a {app_kind} startup{ that helps {audience}| in {city}| built on"
        " {framework}|}",
        "what does `{error_message}` mean{? explain your reasoning|?|}",
        "{greet}{q_writing}",
        "translate this error message for a user-facing toast: {error_message}",
        "can you write the docstring for a function meant to {code_task}",
        "sql: {q_data}",
        "k8s pod keeps restarting with {error_message}. what should I check first?",
        "give me a step by step plan to migrate from {framework} to {framework}",
        "{greet}{q_any}",
        "{q_any} {cot_soft}",
        "pros and cons of {framework} vs {framework} for a {app_kind}?",
        "make this {tone}: {sentence}",
        "{greet}cron expression for {every {n1} hours on weekdays|every {n2} minutes|{n1}:{n2} on"
        " the first monday of the month|weekdays at {n1}am {city} time}{ in {framework}|}",
        "{Generate|write|give me} a JSON schema for a {app_kind} {order|user|invoice|booking|"
        "event} object{ with {n1} fields| including validation| for {framework}|}.",
        "{greet}what's wrong here? {code_snippet}{thanks}",
        "I'm building a {app_kind}. {how do i|how would you} {code_task}?",
    ],
    "followup": [
        "{that didn't work|still broken|nope}, now I get {error_message}",
        "can you make it {shorter|more concise|less wordy|a bit longer}{?|}",
        "now add {tests|type hints|logging|error handling|a docstring}{ please|}",
        "why{?| though?| is that?}",
        "ok and what about {framework}?",
        "thanks! one more thing: {q_code}",
        "can you explain {that last part|the second step|why that works} again{, step by step|}?",
        "make it more {tone}",
        "what if {the input is empty|the list has {n3} items|{ident} is null|it runs {n2} times"
        " in parallel}?",
        "{perfect|great|nice}. now do the same in {plang}",
        "hmm, are you sure? {cot_soft}",
        "{ok|okay|ok thanks|got it}",
        "can you give {an example|another example|a concrete example with {ident}}?",
        "that's not what I meant. I want to {code_task}",
        "{great|cool}, and how would I test that{ with {framework}|}?",
        "translate it to {language}",
        "here's the output:\n{error_message}",
        "add comments{ to the {first|second} function|}",
        "what are the tradeoffs{ compared to {framework}|}?",
        "use {framework} instead",
        "and for {audience}?",
        "{rewrite|redo} it {for {audience}|in a {tone} tone|with {small} bullet points}",
        "what about {city}?",
        "I tried that and {code_problem}",
        "can you combine the {two|last two} answers{ into one|}?",
    ],
    "tool_followup": [
        '(tool result) {{"status": "ok", "rows": {n2}}}',
        '(tool result) {{"temperature": {n2}, "city": "{city}"}}',
        "(tool result) error: {error_message}",
        '(tool result) {{"order_id": "{n4}{n3}", "state": "shipped"}}',
        '(tool result) {{"matches": {n1}}}',
    ],
    # --- SaaS end users, by product -------------------------------------------------------
    "app_support": [
        "{greet}where is my order {#|no. |}{n4}{n3}?{thanks}",
        "I was charged {twice|{money} instead of {money}|after cancelling} for my {subscription|"
        "order {n4}|plan}{, please refund|!!|}",
        "{greet}how do I {reset my password|change my email|update my card|delete my account|"
        "export my data|add a second user}{?|}",
        "{cancel my subscription|i want to cancel|how to cancel my plan|pause my membership for"
        " {n1} months}",
        "my {router|package|refund|invoice|account|discount code {n4}} {isn't working|never"
        " arrived|is wrong|got locked|expired} {since {monday|yesterday|last week}|}",
        "can I change the delivery address for order {n4}{n2} to {city}?",
        "do you ship to {country_name}{ and how long does it take|?|}",
        "the app keeps {logging me out|crashing|freezing} on {android|iphone|my laptop|"
        "the web version}{ since the update|}",
        "{is there a discount for students|do you price match|when is the next sale|do you have"
        " gift cards}?",
        "{I need to talk to a human|agent please|can I speak to someone}{, {my order {n4} is"
        " late|this is urgent|the bot isn't helping}|}",
        "why is my bill {money} this month{? it's usually {money}|}",
        "{the item arrived damaged|wrong size|wrong color|only {n1} of {small} items arrived},"
        " {what now|can I get a replacement|I want a refund}?",
    ],
    "app_writing": [
        "rewrite this email to be more {tone}: {sentence} {sentence}",
        "write a {doc_kind} about {subject}",
        "{make this shorter|fix the grammar|make it sound less AI}: {sentence}",
        "give me {small} headline options for {subject}",
        "{q_writing}",
        "expand these notes into a {doc_kind}: {subject}; {subject}",
        "write a {tone} reply to {audience} about {subject}",
        "turn this into bullet points: {sentence} {sentence} {sentence}",
    ],
    "app_tutor": [
        "{q_math}",
        "{q_math} {cot_soft}",
        "can you explain step by step how to solve this? {q_math}",
        "i don't get {science_concept}",
        "{q_physics} show your work",
        "{q_chemistry}",
        "{q_biology}",
        "explain {history_event} for my essay",
        "check my answer: {fake_answer} is that right? explain why",
        "help me study for my {math_area} exam",
        "{q_reasoning}",
        "what's the formula for {physics_concept}",
    ],
    "app_code": [
        "{q_code}",
        "complete this:\n{code_snippet}",
        "explain this code:\n{code_snippet}",
        "fix: {error_message}",
        "write a test for {code_thing}",
        "refactor {code_thing}, {code_problem}",
        "add docstrings to:\n{code_snippet}",
        "optimize:\n{code_snippet}",
    ],
    "app_legal": [
        "summarize this clause in plain english: the {party|licensee|tenant|contractor} shall"
        " {indemnify|notify|reimburse} ... regarding {legal_topic}",
        "{q_law}",
        "what are the risks in this {NDA|lease|employment contract|SaaS agreement|loan agreement}"
        " regarding {legal_topic}?",
        "extract the {termination dates and notice periods|payment terms|renewal terms|"
        "governing law and venue|liability caps} from this {lease|contract|agreement|{n2}-page"
        " MSA}",
        "draft a {response letter|demand letter|short memo} about {legal_topic} to {audience}",
        "is {legal_topic} relevant to my situation? {sentence}",
    ],
    "app_health": [
        "{q_medicine}",
        "i've had a {headache|cough|rash|sore throat|back pain} for {n1} days, should i worry?",
        "can i take {drug} with {alcohol|coffee|grapefruit juice|{drug}}",
        "what does a {high|low|borderline} {ferritin|TSH|A1C|LDL|vitamin B12|CRP} level{ of"
        " {n2}|} mean",
        "is {food} good for {condition}?",
        "my doctor prescribed {drug}{ for {condition}|}. what should I know?",
        "explain my lab results: {ferritin|vitamin D|creatinine|ALT} {n2},"
        " {TSH|LDL|HbA1c} {n1}.{n1}",
    ],
    "app_travel": [
        "plan a {n1}-day trip to {city} for {audience}",
        "what should I pack for {city} in {december|march|july}",
        "{cheap|vegetarian|late night|family friendly} restaurants in {city}?",
        "is {city} safe for solo travelers",
        "how do I get from the airport to downtown {city}",
        "{n1} day itinerary {city} and {city}, {money} budget",
    ],
    "app_recipes": [
        "what can I make with {food}{, {food}| and {food}}{ in {n2} minutes|}?",
        "{vegan|gluten-free|high protein|quick|cheap|one-pot} {dinner|lunch|meal prep} with {food}",
        "how long do I {roast|bake|air fry|simmer} {food}{ at {n3}F|}",
        "meal plan for {a week|{n1} days}, {money} budget, no {food}",
        "substitute for {food} in a {curry|stir fry|soup|salad}?",
        "recipe for {food} that a {n1}-year-old will eat",
    ],
    "app_grading": [
        "Grade this essay on a 1-10 rubric for {criteria}: {sentence} {sentence} {sentence}",
        "Score the student answer from 0 to {n1} and explain your reasoning. Question: {q_any}"
        " Student answer: {fake_answer}",
        "Give feedback on this paragraph using the rubric (thesis, evidence, clarity):"
        " {sentence} {sentence}",
        "Is this answer correct? Show your work. {q_math} Answer: {fake_answer}",
        "Rate this short answer about {history_event}: {fake_answer}",
    ],
    "app_translation": [
        "Translate into {language}: {sentence}",
        "translate to {language}, keep it {tone}: {sentence} {sentence}",
        "what does this mean in english{ exactly|}: {foreign}",
        "localize this {button label|error message|push notification} for {language}: '{Save"
        " changes|Try again|Checkout|Sign up|Your order {n4} has shipped|{error_message}}'",
        "{is this|is this translation} {correct|natural} in {language}? {sentence}",
    ],
    # --- enterprise staff -----------------------------------------------------------------
    "ent": [
        "summarize these meeting notes {in 5 bullets|for leadership|}: {sentence} {sentence}"
        " {sentence}",
        "draft a {tone} {doc_kind} to {audience} about {subject}",
        "write SQL for: {q_data}",
        "review this for bugs:\n{code_snippet}",
        "{q_code}",
        "what's a good way to explain {econ_concept} to {audience}?",
        "translate for the {city} office into {language}: {sentence}",
        "turn this into a slide outline: {subject}, {subject}, {subject}",
        "help me write the OKRs for {subject}",
        "compare vendors for {framework} hosting: what questions should we ask?",
        "rewrite this policy paragraph in plain language: {sentence} {sentence}",
        "create a project plan for {subject} with milestones",
        "{q_finance}",
        "classify this support ticket: '{app_support}'",
        "extract action items: {sentence} {sentence}",
        "give me talking points on {subject} for {audience}",
        "{greet}{q_security}{thanks}",
        "what are the risks of {subject}? think it through",
        "{q_law}",
        "write a job description for a {senior|staff|junior} {framework} engineer",
    ],
    # --- the campus class: one problem set, many wordings ---------------------------------
    "campus": [
        "{how do i approach|hint for|i'm stuck on|can you help with|help with} {campus_problem}"
        " {for pset 4|for the homework|for cs101|}{?|}",
        "show your work for {campus_problem}",
        "why is my recursive solution to {campus_problem} so slow?",
        "explain the recurrence for {campus_problem} step by step",
        "what's the base case for {campus_problem}",
        "is memoization or bottom-up better for {campus_problem}?",
        "my answer for {campus_problem} is off by one, {why|what am I missing}?",
        "{campus_problem}: what's the time complexity{ and why|}?",
        "can you check my code for {campus_problem}\n{code_snippet}",
        "explain {campus_problem} like the TA would",
        "pset 4 q{n1}: {campus_problem}. {show your work|explain your reasoning|just a hint pls}",
        "I don't understand dynamic programming. use {campus_problem} as an example",
        "how do I draw the recursion tree for {campus_problem}?",
    ],
    "campus_problem": [
        "the coin change problem with coins 1, 5, 10, 25",
        "counting ways to make change for {n2} cents",
        "longest common subsequence of two strings",
        "the LCS problem",
        "counting paths in a {n1}x{n1} grid moving only right and down",
        "the grid paths question",
        "0/1 knapsack with capacity {n2}",
        "the knapsack problem",
        "memoized fibonacci",
        "fib(n) with memoization",
        "question {n1} (coin change)",
        "q{n1} about LCS",
    ],
    # --- an eval harness ------------------------------------------------------------------
    "bench_mcq": [
        "The following is a multiple choice question about {mcq_subject}.\n\n{q_any}\nA. {n2}"
        "\nB. {fake_answer}\nC. {n3}\nD. None of the above\nAnswer:",
        "Question: {q_any}\nChoices:\n(A) {n2}\n(B) {n3}\n(C) {fake_answer}\n(D) {n1}\nRespond"
        " with the letter of the correct choice only.",
    ],
    "bench_cot": [
        "Question: {q_math}\nLet's think step by step.",
        "Q: {q_reasoning}\nA: Let's think step by step.",
        "Solve the following problem. Put your final answer within \\boxed{{}}.\n\n{q_math}",
        "Problem: {q_physics}\nShow your reasoning, then give the final answer as 'Answer: X'.",
    ],
    "bench_code": [
        "Complete the following Python function.\n\ndef {ident}(xs: list[int]) -> int:\n"
        '    """{code_task}"""\n',
        "Write a {plang} function to {code_task}. Return only the code in a fenced block.",
    ],
    "bench_gen": [
        "Translate the following sentence into {language}. Output only the translation.\n"
        "{sentence}",
        "Answer the question concisely.\nQuestion: {q_any}\nAnswer:",
        "Summarize in one sentence: {sentence} {sentence} {sentence}",
    ],
    "mcq_subject": [
        "high school mathematics",
        "college chemistry",
        "professional law",
        "clinical knowledge",
        "computer security",
        "world history",
        "econometrics",
        "formal logic",
        "moral scenarios",
        "college physics",
        "anatomy",
        "marketing",
    ],
    # --- hackathon starters ---------------------------------------------------------------
    "hack": [
        "hello",
        "hi",
        "what can you do?",
        "test",
        "hello world",
        "write a haiku about {hobby}",
        "give me {n1} hackathon ideas using {framework}",
        "build me a chatbot that {helps people find|recommends|summarizes} {food|events|news|"
        "jobs} in {city}",
        "return JSON with fields name, age, city for {n1} fake people",
        "write a pitch for a hackathon project about {subject}",
        "how do I stream responses with the python sdk?",
        "{q_code}",
        "explain tool use / function calling with an example",
        "make a {tone} tagline for an app that helps you {code_task}",
        "what's the fastest way to build a {app_kind} demo in {n2} hours?",
        "summarize this README: {sentence} {sentence}",
        "generate a system prompt for a {app_kind} assistant",
        "write a {plang} snippet to call an LLM API and print the reply",
    ],
    # --- harvesting wrappers (value slot: question) ---------------------------------------
    "harvest_wrap": [
        "{cot_strong}\n\n{question}",
        "Question: {question}\n\n{cot_strong}",
        "{question}\n\n{cot_strong}",
        "You are {a world-class|an expert|a meticulous|a senior} {expert}. {question} {cot_strong}",
        "Answer the following as {a world-class|an expert} {expert}. {cot_strong}\n\nProblem:"
        " {question}",
        "Provide a {comprehensive|detailed|thorough} answer with {explicit|detailed|complete}"
        " reasoning: {question}",
        "{question} {cot_strong}",
        "Task: {question}\nRequirements: {cot_strong} Use clear headings.",
        "Give {n1} different {solutions|approaches} to the following, each with full"
        " reasoning: {question}",
        "{question}\nThink step by step.",
    ],
    "rubric_wrap": [
        "Grade the following answer on a 1-10 rubric for {criteria}.\n\nQuestion: {question}"
        "\nAnswer: {fake_answer}\n\n{Explain your grade step by step.|Justify the score in"
        " detail.|Give the score first, then your reasoning.}",
        "You are a strict grader. Score this response from 1 to 10 for {criteria} and explain"
        " every deduction.\nPrompt: {question}\nResponse: {fake_answer}",
        "Evaluate the answer below against a rubric ({criteria}). Output a JSON object with"
        " 'score' and 'rationale'.\nQ: {question}\nA: {fake_answer}",
        "Which answer is better, A or B? Reason step by step, then decide.\nQuestion: {question}"
        "\nA: {fake_answer}\nB: {fake_answer}",
    ],
    "harvest_followup": [
        "Now explain it differently, for a beginner.",
        "Give an alternative solution and compare the two.",
        "Translate your answer into {language}, keeping all the reasoning steps.",
        "Are there any mistakes in your reasoning? Check each step again.",
        "Summarize the key steps of your reasoning as a numbered list.",
        "Now solve a harder variant of the same problem, with full reasoning.",
    ],
    "critique_wrap": [
        "Answer the question below, then critique your own answer and write an improved final"
        " version.\n{question}",
        "{question}\n\nAfter answering, list the weaknesses of your answer and fix them.",
        "Solve this, then verify your solution step by step and correct any errors: {question}",
    ],
}
