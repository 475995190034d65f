"""The fixed sentences a call speaks, in every language the platform answers in, with no model.

Facts are said in the knowledge base's own words; these are the sentences around them: not
knowing and offering a message or a transfer, transferring, taking a message step by step and
reading it back, asking whether the caller is still there, saying goodbye. English is the
reference: every language has the same keys and the same `{fields}`, and a language without a
table (or a key missing from one) falls back to English.

The English of the dialogue's steps is the same as dialogue.py's own table."""

from __future__ import annotations

import string

ENGLISH: dict[str, str] = {
    # what the engine says
    "unknown": "I'm sorry, I don't have that information.",
    "offer_both": "I can take a message and have someone get back to you, or transfer you to "
    "the team.",
    "offer_message": "I can take a message and have someone get back to you.",
    "handoff": "Of course, let me transfer you to someone who can help.",
    "message": "Sure, I can take a message. What's your name?",
    "how_can_help": "How can I help you?",
    "say_again": "Sorry, let me start again.",
    # what the dialogue says in its own voice
    "ask_name": "Sure, I can take a message. What's your name?",
    "ask_name_again": "Sorry, let's start again. What's your name?",
    "ask_number": "Thanks, {name}. Should we call you back at {number}? Say yes, or tell me a "
    "better number.",
    "ask_number_plain": "Thanks, {name}. What number should we call you back on? You can say "
    "it or type it, then press pound.",
    "number_again": "Sorry, I didn't catch a phone number. Please say it or type it, then press "
    "pound.",
    "ask_body": "And what would you like me to pass on?",
    "read_back": "Let me read that back. {name}, on {number}: {body}. Is that right?",
    "confirm_again": "Is that right? Please say yes or no.",
    "message_taken": "Thank you, I'll pass that on and someone will get back to you. Is there "
    "anything else I can help with?",
    "transfer": "Of course, let me transfer you now. Please hold.",
    "no_transfer": "I'm not able to put you through to anyone right now, but I can take a "
    "message. What's your name?",
    "closed_transfer": "We're closed right now, so nobody can take your call, but I can take a "
    "message. What's your name?",
    "nobody_answered": "Sorry, nobody could come to the phone. I can take a message: what's "
    "your name?",
    "still_there": "Are you still there? How can I help you?",
    "goodbye": "Thank you for calling. Goodbye!",
    "silence_goodbye": "I can't hear anything, so I'll end the call now. Please call again. "
    "Goodbye!",
    "closed_now": "We're closed right now, but I can answer questions or take a message.",
}

SPANISH: dict[str, str] = {
    "unknown": "Lo siento, no tengo esa información.",
    "offer_both": "Puedo tomar un mensaje para que alguien le devuelva la llamada, o "
    "transferirle con el equipo.",
    "offer_message": "Puedo tomar un mensaje para que alguien le devuelva la llamada.",
    "handoff": "Por supuesto, le transfiero con alguien que pueda ayudarle.",
    "message": "Claro, puedo tomar un mensaje. ¿Cuál es su nombre?",
    "how_can_help": "¿En qué puedo ayudarle?",
    "say_again": "Perdón, permítame empezar de nuevo.",
    "ask_name": "Claro, puedo tomar un mensaje. ¿Cuál es su nombre?",
    "ask_name_again": "Perdón, empecemos de nuevo. ¿Cuál es su nombre?",
    "ask_number": "Gracias, {name}. ¿Le devolvemos la llamada al {number}? Diga sí, o dígame "
    "otro número.",
    "ask_number_plain": "Gracias, {name}. ¿A qué número le devolvemos la llamada? Puede "
    "decirlo o marcarlo, y luego pulse la tecla numeral.",
    "number_again": "Perdón, no entendí el número de teléfono. Dígalo o márquelo, y luego pulse "
    "la tecla numeral.",
    "ask_body": "¿Y qué mensaje desea que transmita?",
    "read_back": "Se lo repito. {name}, al {number}: {body}. ¿Es correcto?",
    "confirm_again": "¿Es correcto? Por favor, diga sí o no.",
    "message_taken": "Gracias, transmitiré su mensaje y alguien se pondrá en contacto con "
    "usted. ¿Puedo ayudarle en algo más?",
    "transfer": "Por supuesto, le transfiero ahora. Por favor, espere.",
    "no_transfer": "Ahora mismo no puedo comunicarle con nadie, pero puedo tomar un mensaje. "
    "¿Cuál es su nombre?",
    "closed_transfer": "Ahora estamos cerrados, así que nadie puede atender su llamada, pero "
    "puedo tomar un mensaje. ¿Cuál es su nombre?",
    "nobody_answered": "Lo siento, nadie pudo atender el teléfono. Puedo tomar un mensaje: "
    "¿cuál es su nombre?",
    "still_there": "¿Sigue ahí? ¿En qué puedo ayudarle?",
    "goodbye": "Gracias por llamar. ¡Adiós!",
    "silence_goodbye": "No oigo nada, así que voy a terminar la llamada. Llame de nuevo cuando "
    "quiera. ¡Adiós!",
    "closed_now": "Ahora estamos cerrados, pero puedo responder preguntas o tomar un mensaje.",
}

FRENCH: dict[str, str] = {
    "unknown": "Je suis désolé, je n'ai pas cette information.",
    "offer_both": "Je peux prendre un message pour qu'on vous rappelle, ou vous transférer à "
    "l'équipe.",
    "offer_message": "Je peux prendre un message pour qu'on vous rappelle.",
    "handoff": "Bien sûr, je vous transfère à quelqu'un qui pourra vous aider.",
    "message": "Bien sûr, je peux prendre un message. Quel est votre nom ?",
    "how_can_help": "Comment puis-je vous aider ?",
    "say_again": "Pardon, je reprends.",
    "ask_name": "Bien sûr, je peux prendre un message. Quel est votre nom ?",
    "ask_name_again": "Pardon, reprenons. Quel est votre nom ?",
    "ask_number": "Merci, {name}. Pouvons-nous vous rappeler au {number} ? Dites oui, ou "
    "donnez-moi un autre numéro.",
    "ask_number_plain": "Merci, {name}. À quel numéro pouvons-nous vous rappeler ? Dites-le ou "
    "tapez-le, puis appuyez sur dièse.",
    "number_again": "Pardon, je n'ai pas compris le numéro. Dites-le ou tapez-le, puis appuyez "
    "sur dièse.",
    "ask_body": "Et que voulez-vous que je transmette ?",
    "read_back": "Je relis. {name}, au {number} : {body}. C'est bien cela ?",
    "confirm_again": "C'est bien cela ? Dites oui ou non, s'il vous plaît.",
    "message_taken": "Merci, je transmets votre message et quelqu'un vous recontactera. "
    "Puis-je vous aider pour autre chose ?",
    "transfer": "Bien sûr, je vous transfère. Veuillez patienter.",
    "no_transfer": "Je ne peux vous passer personne pour le moment, mais je peux prendre un "
    "message. Quel est votre nom ?",
    "closed_transfer": "Nous sommes fermés en ce moment, personne ne peut prendre votre appel, "
    "mais je peux prendre un message. Quel est votre nom ?",
    "nobody_answered": "Désolé, personne n'a pu répondre. Je peux prendre un message : quel est "
    "votre nom ?",
    "still_there": "Vous êtes toujours là ? Comment puis-je vous aider ?",
    "goodbye": "Merci de votre appel. Au revoir !",
    "silence_goodbye": "Je n'entends rien, je vais donc raccrocher. N'hésitez pas à rappeler. "
    "Au revoir !",
    "closed_now": "Nous sommes fermés en ce moment, mais je peux répondre à vos questions ou "
    "prendre un message.",
}

GERMAN: dict[str, str] = {
    "unknown": "Es tut mir leid, diese Information habe ich nicht.",
    "offer_both": "Ich kann eine Nachricht aufnehmen, damit Sie zurückgerufen werden, oder Sie "
    "mit dem Team verbinden.",
    "offer_message": "Ich kann eine Nachricht aufnehmen, damit Sie zurückgerufen werden.",
    "handoff": "Natürlich, ich verbinde Sie mit jemandem, der Ihnen helfen kann.",
    "message": "Gern nehme ich eine Nachricht auf. Wie ist Ihr Name?",
    "how_can_help": "Wie kann ich Ihnen helfen?",
    "say_again": "Entschuldigung, ich fange noch einmal an.",
    "ask_name": "Gern nehme ich eine Nachricht auf. Wie ist Ihr Name?",
    "ask_name_again": "Entschuldigung, fangen wir noch einmal an. Wie ist Ihr Name?",
    "ask_number": "Danke, {name}. Sollen wir Sie unter {number} zurückrufen? Sagen Sie ja, "
    "oder nennen Sie mir eine andere Nummer.",
    "ask_number_plain": "Danke, {name}. Unter welcher Nummer sollen wir Sie zurückrufen? Sagen "
    "oder tippen Sie sie ein und drücken Sie dann die Rautetaste.",
    "number_again": "Entschuldigung, ich habe keine Telefonnummer verstanden. Bitte sagen oder "
    "tippen Sie sie ein und drücken Sie dann die Rautetaste.",
    "ask_body": "Und was soll ich ausrichten?",
    "read_back": "Ich lese es noch einmal vor. {name}, unter {number}: {body}. Ist das richtig?",
    "confirm_again": "Ist das richtig? Bitte sagen Sie ja oder nein.",
    "message_taken": "Danke, ich gebe das weiter, und jemand meldet sich bei Ihnen. Kann ich "
    "sonst noch etwas für Sie tun?",
    "transfer": "Natürlich, ich verbinde Sie jetzt. Bitte bleiben Sie dran.",
    "no_transfer": "Ich kann Sie gerade mit niemandem verbinden, aber ich kann eine Nachricht "
    "aufnehmen. Wie ist Ihr Name?",
    "closed_transfer": "Wir haben gerade geschlossen, daher kann niemand Ihren Anruf annehmen, "
    "aber ich kann eine Nachricht aufnehmen. Wie ist Ihr Name?",
    "nobody_answered": "Leider konnte niemand ans Telefon kommen. Ich kann eine Nachricht "
    "aufnehmen: Wie ist Ihr Name?",
    "still_there": "Sind Sie noch da? Wie kann ich Ihnen helfen?",
    "goodbye": "Vielen Dank für Ihren Anruf. Auf Wiederhören!",
    "silence_goodbye": "Ich höre nichts, deshalb beende ich jetzt das Gespräch. Rufen Sie gern "
    "wieder an. Auf Wiederhören!",
    "closed_now": "Wir haben gerade geschlossen, aber ich kann Fragen beantworten oder eine "
    "Nachricht aufnehmen.",
}

ITALIAN: dict[str, str] = {
    "unknown": "Mi dispiace, non ho questa informazione.",
    "offer_both": "Posso prendere un messaggio per farla richiamare, oppure trasferirla al team.",
    "offer_message": "Posso prendere un messaggio per farla richiamare.",
    "handoff": "Certo, la trasferisco a qualcuno che può aiutarla.",
    "message": "Certo, posso prendere un messaggio. Qual è il suo nome?",
    "how_can_help": "Come posso aiutarla?",
    "say_again": "Mi scusi, ricomincio.",
    "ask_name": "Certo, posso prendere un messaggio. Qual è il suo nome?",
    "ask_name_again": "Mi scusi, ricominciamo. Qual è il suo nome?",
    "ask_number": "Grazie, {name}. La richiamiamo al {number}? Dica sì, oppure mi dica un altro "
    "numero.",
    "ask_number_plain": "Grazie, {name}. A quale numero possiamo richiamarla? Può dirlo o "
    "digitarlo, poi prema il tasto cancelletto.",
    "number_again": "Mi scusi, non ho capito il numero di telefono. Lo dica o lo digiti, poi "
    "prema il tasto cancelletto.",
    "ask_body": "E cosa vuole che riferisca?",
    "read_back": "Rileggo. {name}, al {number}: {body}. È corretto?",
    "confirm_again": "È corretto? Per favore, dica sì o no.",
    "message_taken": "Grazie, riferirò il messaggio e qualcuno la ricontatterà. Posso aiutarla "
    "in altro?",
    "transfer": "Certo, la trasferisco subito. Resti in linea.",
    "no_transfer": "In questo momento non posso passarle nessuno, ma posso prendere un "
    "messaggio. Qual è il suo nome?",
    "closed_transfer": "In questo momento siamo chiusi, quindi nessuno può rispondere, ma posso "
    "prendere un messaggio. Qual è il suo nome?",
    "nobody_answered": "Mi dispiace, nessuno ha potuto rispondere. Posso prendere un messaggio: "
    "qual è il suo nome?",
    "still_there": "È ancora in linea? Come posso aiutarla?",
    "goodbye": "Grazie per aver chiamato. Arrivederci!",
    "silence_goodbye": "Non sento nulla, quindi chiudo la chiamata. Ci richiami quando vuole. "
    "Arrivederci!",
    "closed_now": "In questo momento siamo chiusi, ma posso rispondere alle domande o prendere "
    "un messaggio.",
}

PORTUGUESE: dict[str, str] = {
    "unknown": "Sinto muito, não tenho essa informação.",
    "offer_both": "Posso anotar um recado para alguém retornar a ligação, ou transferir você "
    "para a equipe.",
    "offer_message": "Posso anotar um recado para alguém retornar a ligação.",
    "handoff": "Claro, vou transferir você para alguém que possa ajudar.",
    "message": "Claro, posso anotar um recado. Qual é o seu nome?",
    "how_can_help": "Como posso ajudar?",
    "say_again": "Desculpe, vou começar de novo.",
    "ask_name": "Claro, posso anotar um recado. Qual é o seu nome?",
    "ask_name_again": "Desculpe, vamos começar de novo. Qual é o seu nome?",
    "ask_number": "Obrigado, {name}. Podemos retornar a ligação no {number}? Diga sim, ou me "
    "diga outro número.",
    "ask_number_plain": "Obrigado, {name}. Em qual número podemos retornar a ligação? Pode "
    "falar ou digitar e depois apertar a tecla jogo da velha.",
    "number_again": "Desculpe, não entendi o número de telefone. Fale ou digite e depois aperte "
    "a tecla jogo da velha.",
    "ask_body": "E qual é o recado?",
    "read_back": "Vou repetir. {name}, no {number}: {body}. Está correto?",
    "confirm_again": "Está correto? Por favor, diga sim ou não.",
    "message_taken": "Obrigado, vou passar o recado e alguém vai entrar em contato. Posso ajudar "
    "em mais alguma coisa?",
    "transfer": "Claro, vou transferir você agora. Aguarde, por favor.",
    "no_transfer": "No momento não consigo transferir para ninguém, mas posso anotar um recado. "
    "Qual é o seu nome?",
    "closed_transfer": "Estamos fechados agora, então ninguém pode atender, mas posso anotar um "
    "recado. Qual é o seu nome?",
    "nobody_answered": "Desculpe, ninguém pôde atender. Posso anotar um recado: qual é o seu nome?",
    "still_there": "Você ainda está aí? Como posso ajudar?",
    "goodbye": "Obrigado por ligar. Tchau!",
    "silence_goodbye": "Não estou ouvindo nada, então vou encerrar a ligação. Ligue de novo "
    "quando quiser. Tchau!",
    "closed_now": "Estamos fechados agora, mas posso responder perguntas ou anotar um recado.",
}

TABLES: dict[str, dict[str, str]] = {
    "en": ENGLISH,
    "es": SPANISH,
    "fr": FRENCH,
    "de": GERMAN,
    "it": ITALIAN,
    "pt": PORTUGUESE,
}
KEYS = frozenset(ENGLISH)


def base_language(language: str) -> str:
    """ "es-MX" → "es", "pt_BR" → "pt", "EN" → "en"."""
    return language.replace("_", "-").split("-", 1)[0].strip().lower()


def fields_of(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def phrase(key: str, language: str = "en-US", **fields: str) -> str:
    """The sentence `key` in `language` (BCP-47 or a bare code), its `{fields}` filled in.
    English when the language has no table or the table lacks the key; KeyError for a key
    English does not have either, or a field not given."""
    if key not in ENGLISH:
        raise KeyError(f"no phrase {key!r}")
    table = TABLES.get(base_language(language), ENGLISH)
    return table.get(key, ENGLISH[key]).format(**fields)


def has_phrases(language: str) -> bool:
    return base_language(language) in TABLES
