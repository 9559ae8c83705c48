"""The topic taxonomy: one question rule per domain, shared by benign and harvesting text.

Capability sweeps walk these domains on purpose; benign users touch them too (a developer
asks about law once in a while, a tutoring app is all math). Sharing one source keeps
topic coverage informative about intent without being a giveaway of it.
"""

from __future__ import annotations

from typing import Final

__all__ = ["DOMAINS", "TAXONOMY"]

DOMAINS: Final[tuple[str, ...]] = (
    "math",
    "code",
    "law",
    "medicine",
    "chemistry",
    "physics",
    "biology",
    "writing",
    "reasoning",
    "multilingual",
    "economics",
    "history",
    "philosophy",
    "data",
    "finance",
    "security",
)
"""Domain names; rule ``q_<domain>`` renders one question in that domain."""

TAXONOMY: Final[dict[str, list[str]]] = {
    "q_math": [
        "Solve for x: {n1}x + {n2} = {n3}.",
        "Find the derivative of f(x) = {function}.",
        "Compute the integral of {function} from 0 to {n1}.",
        "What is the probability of getting at least {n1} heads in {n2} fair coin flips?",
        "How many ways can {small} people sit around a round table?",
        "Prove that the sum of the first n odd numbers is n^2.",
        "Prove that there are infinitely many primes {congruent to 3 mod 4|}.",
        "Find the eigenvalues of the matrix [[{n1}, 1], [1, {n1}]].",
        "A train leaves at {n1}:00 going {n2} km/h; another leaves an hour later at {n3} km/h."
        " When does the second catch up?",
        "What is {n3} mod {n2}, and why?",
        "Is {n4} a prime number? Justify.",
        "Solve the recurrence T(n) = 2T(n/2) + n.",
        "Find all integer solutions of x^2 - {n1}y^2 = 1 with y < {n2}.",
        "Explain the intuition behind {math_area} {concepts|proofs|basics} like I'm new to it.",
        "A bag has {n1} red and {n2} blue {puzzle_object}. Two are drawn without replacement."
        " What is P(both red)?",
        "Compute the expected number of rolls of a fair die until a {n1} appears twice in a row.",
        "Show that the function {function} is continuous on its domain.",
        "What is the limit of (1 + {n1}/n)^n as n goes to infinity?",
        "How many subsets of {{1, ..., {small}}} have an even sum?",
        "Find the shortest distance from the point ({n1}, {n2}) to the line y = {n1}x + 1.",
    ],
    "q_code": [
        "How do I {code_task} in {plang}?",
        "Write {plang} code to {code_task}.",
        "What's the idiomatic way to {code_task} in {framework}?",
        "Explain the time complexity of an algorithm to {code_task}.",
        "Why does {code_thing} fail with `{error_message}`?",
        "Review this code:\n```\n{code_snippet}\n```",
        "What is the difference between {framework} and {framework} for {code_task}?",
        "Write unit tests for a function that does this: {code_task}.",
        "Refactor this to be more readable:\n{code_snippet}",
        "Implement a solution to: {code_task}. Use {plang} and explain the edge cases.",
        "What does this error mean: {error_message}",
        "Design a database schema for a {app_kind}.",
    ],
    "q_law": [
        "Explain {legal_topic} under {jurisdiction} law.",
        "Is a verbal agreement to sell a car enforceable in {jurisdiction}?",
        "My landlord kept my deposit for {money} of 'cleaning'. What are my rights in"
        " {jurisdiction}?",
        "What elements must be proven for negligence?",
        "Summarize the key holdings on {legal_topic}.",
        "Can my employer enforce a non-compete in {jurisdiction} if I was laid off?",
        "How does {legal_topic} apply to a small online business?",
        "Draft a clause limiting liability to {money} for a software services contract.",
        "Compare {legal_topic} in {jurisdiction} and {jurisdiction} law.",
    ],
    "q_medicine": [
        "What are the first-line treatments for {condition} in {patient_group}?",
        "Explain the mechanism of action of {drug}.",
        "What are the common side effects and interactions of {drug}?",
        "How is {condition} diagnosed, and what is the differential?",
        "A {n2}-year-old presents with fatigue and weight loss. What workup would you order?",
        "Is it safe to take {drug} with {drug}?",
        "Explain the pathophysiology of {condition}.",
        "What lifestyle changes help with {condition}?",
        "How should {drug} be dosed in {patient_group}?",
    ],
    "q_chemistry": [
        "Balance the equation {reaction}.",
        "Explain {chem_concept} with an example.",
        "Why is {molecule} {polar|nonpolar|stable|reactive|acidic}?",
        "Predict the major product when 2-bromo-2-methylpropane reacts with {ethanol|hydroxide"
        "|cyanide}.",
        "Calculate the pH of a {n1}.{n1} x 10^-{n1} M solution of {acetic acid|ammonia|HCl}.",
        "How many grams of {molecule} are in {n1}.{n2} moles?",
        "Draw the Lewis structure of {molecule} and describe its geometry.",
        "What is the role of a catalyst in {chem_concept}?",
    ],
    "q_physics": [
        "Explain {physics_concept} intuitively.",
        "A ball is thrown up at {n2} m/s. How high does it go and when does it land?",
        "Derive the period of a simple pendulum of length {n1} m.",
        "What happens to time dilation at {n2}% of the speed of light?",
        "A {n1} kg block slides down a {n2} degree incline with friction coefficient 0.{n1}."
        " Find its acceleration.",
        "Why does {physics_concept} matter for {engineering|astronomy|everyday life}?",
        "Compute the energy of a photon with wavelength {n3} nm.",
        "How does a transformer step voltage up from {n3} V to {n4} V?",
    ],
    "q_biology": [
        "Explain {bio_concept} in simple terms.",
        "What is the difference between {bio_concept} and {bio_concept}?",
        "How does {bio_concept} relate to evolution?",
        "Design an experiment to test how temperature affects {bio_concept}.",
        "Why do some bacteria become resistant to {drug}?",
        "What limits the accuracy of {bio_concept} techniques?",
    ],
    "q_writing": [
        "Write a {tone} {doc_kind} about {subject}.",
        "Write a short story about {name} in {city} {in the style of Raymond Carver|with a twist"
        " ending|in under 300 words|told backwards|}.",
        "Write a poem about {hobby} {as a sonnet|in free verse|as a haiku sequence|}.",
        "Rewrite this to sound {tone}: '{sentence}'",
        "Give me {small} title ideas for a {doc_kind} about {subject}.",
        "Write a dialogue between {name} and {name} arguing about {philosophy_q}.",
        "Edit this paragraph for clarity: {sentence} {sentence}",
        "Write a eulogy for a {beloved grandmother|family dog|coworker}.",
    ],
    "q_reasoning": [
        "{name} is taller than {name}, who is shorter than {name}. Who is tallest, or is it"
        " undetermined?",
        "On an island of knights and knaves, A says 'B is a knave' and B says 'we are both"
        " knights'. What are they?",
        "You have {small} {puzzle_object}, one heavier. What is the minimum number of weighings"
        " on a balance to find it?",
        "A farmer must cross a river with a wolf, a goat and a cabbage. How?",
        "If all bloops are razzies and some razzies are lazzies, are some bloops lazzies?",
        "Schedule {small} meetings for {name}, {name} and {name} given that no two can overlap"
        " and {name} is only free after 2pm.",
        "What comes next: {n1}, {n2}, {n3}, ... and why?",
        "Three boxes are all mislabeled (apples, oranges, mixed). You may draw one fruit from"
        " one box. How do you fix the labels?",
        "A bat and a ball cost {money} in total... explain the common mistake.",
        "There are {n2} lockers and {n2} students toggling them. Which are open at the end?",
    ],
    "q_multilingual": [
        "Translate into {language}: '{sentence}'",
        "Translate this into {language} and keep the tone {tone}: {sentence}",
        "What is the difference between 'ser' and 'estar' in Spanish?",
        "Explain the {language} word order in a sentence like '{sentence}'",
        "How do you say '{sentence}' politely in {language}?",
        "Correct my {language}: the sentence I wrote was about {subject}.",
        "Give me {small} idioms in {language} about {hobby} and what they mean.",
    ],
    "q_economics": [
        "Explain {econ_concept} with a real-world example.",
        "How does {econ_concept} affect {country_name}'s economy?",
        "What caused the inflation spike in {year}?",
        "Compare {econ_concept} and {econ_concept}.",
        "If a central bank raises rates by {n1}00 basis points, what happens to housing?",
    ],
    "q_history": [
        "What were the causes of {history_event}?",
        "How did {history_event} change daily life?",
        "Compare {history_event} and {history_event}.",
        "What happened in {country_name} in {year}?",
        "Write a short summary of {history_event} for {audience}.",
    ],
    "q_philosophy": [
        "What is the strongest argument about {philosophy_q}?",
        "Explain {philosophy_q} to {audience}.",
        "Does {philosophy_q} matter for how we build AI?",
        "Steelman both sides of {philosophy_q}.",
    ],
    "q_data": [
        "How do I compute a confidence interval for a conversion rate of {pct}% with n={n4}?",
        "My A/B test shows +{n1}% with p=0.0{n1}. Can I ship it?",
        "Which chart type fits {n2} categories over {n2} months?",
        "Explain the difference between correlation and causation using {subject}.",
        "How do I handle missing values in a column with {pct}% nulls?",
        "Write a {SQL|pandas|Polars} query to find the top {n1} customers by revenue per month.",
        "What's a good way to detect outliers in sensor data sampled every {n2} seconds?",
    ],
    "q_finance": [
        "Should I pay off a {pct}% loan or invest in an index fund?",
        "Explain how a {n2}-year mortgage amortizes.",
        "What is the difference between a Roth and a traditional IRA?",
        "How do I value a startup with {money} ARR growing {n2}% a year?",
        "Explain {econ_concept} for a personal budget.",
        "Build a simple monthly budget for {money} of take-home pay in {city}.",
    ],
    "q_security": [
        "How does SQL injection work and how do I prevent it in {framework}?",
        "Explain how TLS certificate validation works.",
        "What's the safest way to store API keys in a {framework} app?",
        "How should I hash passwords in {plang} today?",
        "Explain CSRF and when SameSite cookies are enough.",
        "Review this config for security issues:\n{code_snippet}",
        "What does the OWASP top 10 say about {access control|SSRF|logging|deserialization}?",
    ],
    "app_kind": [
        "food delivery app",
        "library system",
        "multi-tenant SaaS",
        "habit tracker",
        "event ticketing site",
        "veterinary clinic",
        "marketplace",
        "chat app",
        "fitness tracker",
        "invoice tool",
        "school timetable",
        "car rental service",
    ],
}
