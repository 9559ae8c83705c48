"""Non-English phrasing: developers and end users write in their own language.

Technical nouns stay in English inside foreign sentences, as people really write. Each
language has ``dev_<code>`` (coding help), ``ask_<code>`` (general questions) and
``cot_<code>`` (asking for reasoning), so both benign users and multilingual capability
sweeps can use them.
"""

from __future__ import annotations

from typing import Final

__all__ = ["LANGUAGES", "MULTILINGUAL", "language_for_country"]

LANGUAGES: Final[tuple[str, ...]] = (
    "de",
    "fr",
    "es",
    "pt",
    "it",
    "nl",
    "pl",
    "tr",
    "id",
    "vi",
    "ja",
    "ko",
    "zh",
    "hi",
)

_COUNTRY_LANGUAGE: Final[dict[str, str]] = {
    "DE": "de",
    "AT": "de",
    "CH": "de",
    "FR": "fr",
    "BE": "fr",
    "ES": "es",
    "MX": "es",
    "AR": "es",
    "CO": "es",
    "CL": "es",
    "BR": "pt",
    "PT": "pt",
    "IT": "it",
    "NL": "nl",
    "PL": "pl",
    "TR": "tr",
    "ID": "id",
    "VN": "vi",
    "JP": "ja",
    "KR": "ko",
    "TW": "zh",
    "HK": "zh",
    "SG": "zh",
    "IN": "hi",
}


def language_for_country(country: str) -> str | None:
    """The non-English language a user in ``country`` may write in, if any."""
    return _COUNTRY_LANGUAGE.get(country)


MULTILINGUAL: Final[dict[str, list[str]]] = {
    "dev_de": [
        "Wie kann ich in {plang} {code_task}?",
        "Warum schlägt {code_thing} mit `{error_message}` fehl?",
        "Kannst du diesen Code erklären?\n{code_snippet}",
        "Ich bekomme den Fehler {error_message}. Was mache ich falsch?",
        "Was ist der Unterschied zwischen {framework} und {framework}?",
        "Schreib mir bitte eine {kurze|freundliche|formelle} E-Mail über {subject}.",
        "{code_snippet}\n\nDas ist zu langsam, wie kann ich das optimieren?",
    ],
    "ask_de": [
        "Erkläre mir bitte {physics_concept}.",
        "Was sind die Ursachen von {history_event}?",
        "Wie funktioniert {econ_concept} eigentlich?",
        "Was sagt das deutsche Recht zu {legal_topic}?",
        "Kannst du {sentence} ins {language} übersetzen?",
    ],
    "cot_de": [
        "Denk Schritt für Schritt nach und zeig deinen Lösungsweg.",
        "Erkläre deine Überlegungen ausführlich, bevor du antwortest.",
        "Bitte mit Begründung.",
    ],
    "dev_fr": [
        "Comment {faire pour|est-ce qu'on peut} {code_task} en {plang} ?",
        "Pourquoi {code_thing} plante avec `{error_message}` ?",
        "Tu peux m'expliquer ce code ?\n{code_snippet}",
        "J'ai l'erreur {error_message}, une idée ?",
        "Quelle est la différence entre {framework} et {framework} ?",
        "Écris un e-mail {poli|court|formel} à propos de {subject}.",
    ],
    "ask_fr": [
        "Explique-moi {physics_concept} simplement.",
        "Quelles sont les causes de {history_event} ?",
        "C'est quoi {econ_concept} ?",
        "Que dit le droit français sur {legal_topic} ?",
    ],
    "cot_fr": [
        "Réfléchis étape par étape et montre ton raisonnement.",
        "Explique ton raisonnement en détail avant de répondre.",
    ],
    "dev_es": [
        "¿Cómo puedo {code_task} en {plang}?",
        "¿Por qué {code_thing} falla con `{error_message}`?",
        "Me sale este error: {error_message}. ¿Qué hago?",
        "Explícame este código por favor:\n{code_snippet}",
        "¿Qué diferencia hay entre {framework} y {framework}?",
        "Escribe un correo {formal|amable|corto} sobre {subject}.",
    ],
    "ask_es": [
        "Explícame {physics_concept} de forma sencilla.",
        "¿Cuáles fueron las causas de {history_event}?",
        "¿Qué es {econ_concept}?",
        "Dame una receta con {food}.",
    ],
    "cot_es": [
        "Piensa paso a paso y muestra tu razonamiento.",
        "Explica tu razonamiento con detalle antes de responder.",
    ],
    "dev_pt": [
        "Como faço para {code_task} em {plang}?",
        "Por que {code_thing} dá erro `{error_message}`?",
        "Tô recebendo esse erro: {error_message}. Alguma ideia?",
        "Explica esse código pra mim:\n{code_snippet}",
        "Qual a diferença entre {framework} e {framework}?",
    ],
    "ask_pt": [
        "Me explica {physics_concept} de um jeito simples.",
        "Quais foram as causas de {history_event}?",
        "O que é {econ_concept}?",
        "Faz um roteiro de {n1} dias em {city}.",
    ],
    "cot_pt": ["Pense passo a passo e mostre seu raciocínio.", "Explique o raciocínio."],
    "dev_it": [
        "Come posso {code_task} in {plang}?",
        "Perché {code_thing} fallisce con `{error_message}`?",
        "Mi spieghi questo codice?\n{code_snippet}",
        "Qual è la differenza tra {framework} e {framework}?",
    ],
    "ask_it": [
        "Spiegami {physics_concept} in modo semplice.",
        "Quali furono le cause di {history_event}?",
        "Cos'è {econ_concept}?",
    ],
    "cot_it": ["Ragiona passo dopo passo e mostra il procedimento."],
    "dev_nl": [
        "Hoe kan ik {code_task} in {plang}?",
        "Waarom faalt {code_thing} met `{error_message}`?",
        "Kun je deze code uitleggen?\n{code_snippet}",
    ],
    "ask_nl": ["Leg {physics_concept} eenvoudig uit.", "Wat is {econ_concept}?"],
    "cot_nl": ["Denk stap voor stap na en laat je redenering zien."],
    "dev_pl": [
        "Jak mogę {code_task} w {plang}?",
        "Dlaczego {code_thing} wywala się z `{error_message}`?",
        "Wyjaśnij mi ten kod:\n{code_snippet}",
    ],
    "ask_pl": ["Wyjaśnij mi prosto {physics_concept}.", "Czym jest {econ_concept}?"],
    "cot_pl": ["Pomyśl krok po kroku i pokaż rozumowanie."],
    "dev_tr": [
        "{plang} ile nasıl {code_task}?",
        "{code_thing} neden `{error_message}` hatası veriyor?",
        "Bu kodu açıklar mısın?\n{code_snippet}",
    ],
    "ask_tr": ["{physics_concept} nedir, basitçe açıklar mısın?", "{econ_concept} nedir?"],
    "cot_tr": ["Adım adım düşün ve mantığını göster."],
    "dev_id": [
        "Bagaimana cara {code_task} di {plang}?",
        "Kenapa {code_thing} error `{error_message}`?",
        "Tolong jelaskan kode ini:\n{code_snippet}",
    ],
    "ask_id": ["Jelaskan {physics_concept} dengan sederhana.", "Apa itu {econ_concept}?"],
    "cot_id": ["Pikirkan langkah demi langkah dan tunjukkan alasannya."],
    "dev_vi": [
        "Làm sao để {code_task} bằng {plang}?",
        "Tại sao {code_thing} bị lỗi `{error_message}`?",
        "Giải thích đoạn code này giúp mình:\n{code_snippet}",
    ],
    "ask_vi": ["Giải thích {physics_concept} đơn giản giúp mình.", "{econ_concept} là gì?"],
    "cot_vi": ["Hãy suy nghĩ từng bước và trình bày lập luận."],
    "dev_ja": [
        "{plang}で{code_task}にはどうすればいいですか？",
        "{code_thing}が`{error_message}`で失敗します。原因は？",
        "このコードを説明してください。\n{code_snippet}",
        "{framework}と{framework}の違いを教えてください。",
        "{subject}についてのメールを書いてください。",
    ],
    "ask_ja": [
        "{physics_concept}を簡単に説明してください。",
        "{history_event}の原因は何ですか？",
        "{econ_concept}とは何ですか？",
    ],
    "cot_ja": ["ステップバイステップで考えて、推論過程を示してください。", "理由も説明して。"],
    "dev_ko": [
        "{plang}에서 {code_task} 하려면 어떻게 해야 하나요?",
        "{code_thing}가 `{error_message}` 에러가 나요. 왜 그런가요?",
        "이 코드 설명해 주세요:\n{code_snippet}",
        "{framework}랑 {framework} 차이가 뭐예요?",
    ],
    "ask_ko": [
        "{physics_concept}를 쉽게 설명해 주세요.",
        "{history_event}의 원인은 무엇인가요?",
        "{econ_concept}이 뭐예요?",
    ],
    "cot_ko": ["단계별로 생각하고 풀이 과정을 보여 주세요."],
    "dev_zh": [
        "在{plang}里怎么{code_task}？",
        "为什么{code_thing}报错 `{error_message}`？",
        "帮我解释一下这段代码：\n{code_snippet}",
        "{framework}和{framework}有什么区别？",
    ],
    "ask_zh": [
        "请简单解释一下{physics_concept}。",
        "{history_event}的原因是什么？",
        "什么是{econ_concept}？",
    ],
    "cot_zh": ["请一步一步地思考，并写出完整的推理过程。", "请解释你的推理。"],
    "dev_hi": [
        "{plang} me {code_task} kaise karu?",
        "bhai {code_thing} me ye error aa raha hai: {error_message}",
        "ye code samjha do:\n{code_snippet}",
        "{framework} aur {framework} me kya difference hai?",
    ],
    "ask_hi": [
        "{physics_concept} simple language me samjhao",
        "{history_event} ke causes kya the?",
        "{econ_concept} kya hota hai?",
    ],
    "cot_hi": ["step by step samjhao", "reasoning ke saath batao"],
    "foreign": [
        "Das Meeting wurde auf Donnerstag verschoben.",
        "Je voudrais réserver une table pour deux personnes.",
        "¿Dónde está la estación de tren más cercana?",
        "Obrigado pela ajuda de ontem.",
        "会議は木曜日の午後に変更されました。",
        "이 제품은 언제 배송되나요?",
        "这个问题我们明天再讨论吧。",
        "Kitaplarını masanın üzerine bıraktı.",
        "Non vedo l'ora di rivederti.",
        "Czy możesz mi pomóc z tym zadaniem?",
    ],
}
