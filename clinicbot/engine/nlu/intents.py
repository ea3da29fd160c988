"""Intent cues: readable tables of patterns, one per intent, over normalised text."""

from __future__ import annotations

import re

INTENTS = (
    "greeting",
    "goodbye",
    "thanks",
    "schedule_appointment",
    "cancel_appointment",
    "reschedule_appointment",
    "check_appointment",
    "ask_doctors",
    "ask_specialties",
    "ask_insurance",
    "ask_exams",
    "ask_price",
    "ask_hours",
    "ask_location",
    "provide_info",
    "confirm",
    "deny",
    "human_agent",
    "emergency",
    "out_of_scope",
)


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(patterns) + r")\b")


# Urgent symptoms: answered at once with SAMU 192, in any state.
EMERGENCY = _rx(
    r"dor (?:muito )?(?:forte |intensa |no )?(?:no |na )?peito",
    r"dor no peito",
    r"aperto no peito",
    r"infarto|infartando|enfarto|enfartando",
    r"falta de ar",
    r"(?:nao )?(?:consigo|consegue|conseguindo) respirar",
    r"sem respirar|parou de respirar|nao ta respirando|nao esta respirando",
    r"desmai\w*|desfaleceu|inconsciente|nao acorda|nao responde",
    r"convuls\w*|ataque epiletico",
    r"avc|derrame",
    r"rosto (?:ta |esta )?(?:dormente|torto|paralisado)|boca torta|metade do (?:rosto|corpo)",
    r"sangr\w* (?:muito|sem parar|forte)|hemorragia|muito sangue",
    r"overdose|envenen\w*|intoxica\w*",
    r"engasg\w*",
    r"bateu a cabeca\b.*\b(?:vomit\w*|sonolent\w*|desacordad\w*)",
    r"desacordad\w*|perdeu (?:a )?consciencia|nao (?:ta|esta) acordando",
    r"(?:tomou|ingeriu|engoliu) (?:um monte|muit\w*|vari\w*|a cartela|uma cartela|todos os)\b.*\b(?:remedio|comprimido|pilula)\w*",
    r"picad\w* de (?:escorpiao|cobra|aranha|abelha)|mordid\w* de cobra",
    r"passando muito mal|muito mal .*(?:desmai|respir|peito)",
    r"labios? (?:roxo|azul)\w*|ficando roxo|ficou roxo|ficou azul",
    r"fala\w* enrolad\w*|(?:fala|falar|falando) (?:tudo )?embolad\w*",
    r"(?:lado|metade|braco|perna) (?:\w+ ){0,3}(?:nao mexe|nao se mexe|parou de mexer|paralisad\w*|dormente)",
    r"(?:nao|parou de) (?:consegue |consigo )?mexer (?:o|a|um|uma) (?:lado|braco|perna)",
    r"garganta (?:ta |esta )?fechando|inchando (?:todo|toda|inteir\w*)|nao consegue engolir",
    r"se debatendo|revirando os olhos?|espumando pela boca",
    r"(?:me matar|suicid\w*|tirar (?:a )?minha (?:propria )?vida)",
    r"(?<!\bdo )(?<!\bda )(?<!\bde )socorro",  # not the name "Maria do Socorro"
    r"acidente grave|atropelad\w*|baleado|esfaquead\w*",
    r"queimadura grave|choque eletrico",
    r"reacao alergica (?:grave|forte)|anafila\w*|garganta fechando",
    r"febre (?:muito )?alta .*(?:bebe|recem nascido|convuls\w*)",
)

HUMAN = _rx(
    r"atendente",
    r"falar com (?:uma |um |a |o )?(?:pessoa|alguem|humano|gente|funcionari\w*|recepcionista|secretaria)",
    r"(?:pessoa|alguem|gente) de verdade",
    r"tem alguem (?:ai|de verdade)",
    r"atendimento humano",
    r"(?:chama|chame|chamar) (?:alguem|uma pessoa|a recepcao|um humano)",
    r"(?:me )?(?:passa|transfere|encaminha|transferir) (?:pra|para) (?:a |uma |um |o )?(?:recepcao|pessoa|atendente|humano|secretaria|alguem)",
    r"nao quero falar com (?:robo|maquina|bot)",
    r"humano",
    r"(?:quero|preciso de|prefiro) (?:falar com )?(?:uma |um )?(?:pessoa|atendente|humano|gente)",
    r"(?:alguem|atendente|recepcao|voces) (?:da clinica )?(?:pode|podem|poderia) me (?:ligar|retornar|chamar)",
    r"(?:me )?(?:liga|ligue|ligar|retorna|retornem) (?:pra mim|para mim)",
    r"(?:chama|chame|chamar) (?:a |o )?(?:moca|menina|rapaz|moco|atendente|recepcao|secretaria|alguem|pessoa)",
    r"falar com (?:a |o )?(?:moca|menina|rapaz|moco) da recepcao",
    r"(?:ser atendid\w*|falar) (?:por|com) (?:um|uma) (?:funcionari\w*|pessoa|atendente|humano)",
    r"(?:quero|chama|chame|cade) (?:a |o )?(?:secretaria|recepcionista|atendente)",
)

CANCEL = _rx(
    r"cancel\w*",
    r"desmarc\w*",
    r"(?:pode|podem) (?:tirar|retirar)",
    r"nao vou mais precisar da consulta",
    r"(?:tira|tirar|tirem) (?:a |minha )?(?:consulta|marcacao|agendamento)",
    r"nao vou (?:mais )?(?:poder )?(?:ir|comparecer)\b.*\bcancel\w*",
)

RESCHEDULE = _rx(
    r"remarc\w*",
    r"reagend\w*",
    r"(?:mudar|muda|trocar|troca|alterar|passar|transferir) (?:a |minha |o |meu )?(?:consulta|horario|data|dia|agendamento)",
    r"(?:mudar|muda|trocar|troca|alterar|passar) (?:pra|para|pro) ",
    r"(?:mudar|trocar|alterar) (?:o )?horario",
    r"adiantar|antecipar|adiar|empurrar|postergar|jogar (?:a consulta |minha consulta )?(?:pra|para) frente",
    r"outro (?:dia|horario)",
    r"(?:posso|da pra|consigo|tem como) (?:mudar|trocar)",
)

CHECK = _rx(
    r"consulta\b(?: \w+){0,8} (?:ta|esta|foi|continua) (?:confirmad\w*|marcad\w*|agendad\w*|de pe|mantid\w*)",
    r"(?:confirmar|saber|ver) (?:a |o )?(?:data|dia|horario|hora)\w*(?: \w+){0,4} (?:da |de )?minha consulta",
    r"(?:que horas|quando|que dia) (?:fica|ficou|e|eh|sera) (?:a )?minha consulta",
    r"marquei (?:alguma coisa|algo|consulta|alguma consulta)",
    r"(?:tenho|tem) (?:alguma coisa|algo) (?:marcad\w*|agendad\w*)",
    r"(?:fiquei|ficou|esta|ta) (?:marcad\w*|agendad\w*)\b(?! (?:pra|para) (?:outro|outra))",
    r"(?:qual|que) (?:horario|hora|dia|data) ficou",
    r"(?:tenho|tem) (?:alguma coisa|algo|algum horario|alguma consulta|consulta) (?:agendad\w*|marcad\w*)",
    r"continua (?:de pe|marcad\w*|confirmad\w*|agendad\w*)",
    r"(?:ver|verificar|checar|conferir|confirmar) se (?:ficou|esta|ta|tem) (?:agendad\w*|marcad\w*|confirmad\w*)",
    r"(?:minha|a) consulta (?:ta|esta|ficou|e|foi|tá) (?:confirmad\w*|marcad\w*|agendad\w*|de pe|pra que|para que|que)",
    r"que (?:horas|dia) (?:e|eh|ficou|vai ser|sera) (?:a )?minha consulta",
    r"(?:quando|que horas|que dia) (?:e|eh|ficou|sera) (?:a )?minha consulta",
    r"consulta (?:ficou|ta|esta) (?:pra|para) (?:que|quando)",
    r"minha consulta (?:ficou|e|eh) (?:pra|para|que|quando)",
    r"tenho (?:uma )?consulta (?:marcada|agendada)",
    r"esqueci (?:o dia|a hora|o horario|a data|quando)",
    r"(?:qual|que) (?:medico|medica|doutor|doutora) ficou",
    r"com qual (?:medico|medica|doutor|doutora) (?:ficou|e|vai ser)",
    r"(?:algum|meu|tem) agendamento (?:no meu nome|em meu nome|marcado)",
    r"(?:ver|verificar|consultar|confirmar) (?:se )?(?:a )?minha consulta",
    r"minha consulta (?:de|do|com)\b.*\b(?:de pe|confirmad\w*|mantid\w*)",
    r"ficou (?:pra|para) que (?:horas|dia)",
    r"(?:ta|esta) de pe",
)

SCHEDULE = _rx(
    r"marc\w*",
    r"agend\w*",
    r"(?:uma |de )?consulta",
    r"vaga",
    r"(?:tem|teria|ha|tenha) (?:algum |um )?horario",
    r"horario (?:livre|disponivel|vago)",
    r"encaixe|encaixar",
    r"passar (?:num|no|na|com|em)",
    r"retorno",
    r"atendimento com",
    r"consegue (?:um|uma) (?:horario|consulta|vaga)",
    r"preciso (?:de )?(?:um|uma|o|a|ir (?:no|na|ao))",
    r"quero (?:um|uma|ir|ser atendid\w*|passar)",
    r"queria (?:um|uma|ir|passar)",
    r"primeiro horario",
)

PRICE = _rx(
    r"quanto (?:custa|e|eh|fica|ta|sai|cobra|esta|que|seria|vai)",
    r"quanto\b.*\b(?:cobra|custa)",
    r"(?:qual|quais) (?:o|os|e o) (?:valor|valores|preco|precos)",
    r"valor|valores|preco|precos|custa|custo",
    r"e quanto|quanto$|e quanto\b",
    r"quanto",
)

INSURANCE_Q = _rx(
    r"^(?:convenio|convenios|plano|planos|plano de saude)$",
    r"(?:serve|vale|cobre|funciona) (?:pro|pra|para|com|no|na)",
    r"(?:atende|atendem|aceita|aceitam|pega|pegam) (?:o |a |pelo |pela )?(?:unimed|amil|bradesco|sulamerica|sul america|hapvida|notredame|intermedica|porto seguro|cassi|geap|golden cross|prevent senior|mediservice|allianz|care plus|omint|ipasgo|iamspe|ipe saude|sami|postal saude|saude caixa|gndi)",
    r"aceit\w*",
    r"(?:quais|que) (?:convenios|planos)",
    r"convenios",
    r"trabalh\w* com",
    r"pega(?:m)? ",
    r"(?:atende|atendem|cobre|cobrem) (?:pelo|pela|plano|convenio)",
    r"tem convenio",
    r"ou tem convenio",
    r"e so particular",
)

EXAMS = _rx(
    r"exames?",
    r"prepar\w*",
    r"jejum",
    r"(?:faz|fazem|realiza|realizam) (?:o |a )?(?!parte\b)\w+",
    r"precisa (?:de )?(?:algum )?(?:preparo|jejum)",
    r"posso (?:dirigir|comer|beber|tomar)",
)

HOURS = _rx(
    r"horario de (?:funcionamento|atendimento)",
    r"(?:que|q) horas (?:voces )?(?:abre|abrem|fecha|fecham|comeca|comecam|funciona)",
    r"(?:abre|abrem|abrir|abrindo|fecha|fecham|fechar|funciona|funcionam|funcionar|aberto|aberta|abertos)",
    r"ate que horas",
    r"(?:voces |a clinica )?(?:atende|atendem) (?:\w+ ){0,3}(?:noite|sabado|domingo|feriado|manha|tarde|almoco|cedo)",
    r"expediente",
)

LOCATION = _rx(
    r"endereco",
    r"(?:ficam|fica|e|eh|estao|sao) onde",
    r"onde (?:fica|e|eh|voces ficam|esta|ficam)",
    r"localiza\w*",
    r"estaciona\w*",
    r"(?:como )?(?:chego|chegar)",
    r"metro|estacao|onibus",
    r"bairro",
    r"paro o carro|parar o carro|vaga (?:pra|para|de) carro",
    r"(?:qual|que) (?:rua|cidade)",
    r"manda (?:a )?(?:localizacao|endereco|pin)",
    r"perto de (?:que|qual)",
    r"(?:fica|e|eh|ficam) (?:perto|proximo|longe) d\w*",
    r"fica(?:m)? (?:em|no|na) (?:qual|que)",
    r"(?:deixar|largar|parar|estacionar) o carro|onde (?:eu )?estaciono",
    r"(?:qual|que) (?:o )?ponto de referencia",
)

DOCTORS_Q = _rx(
    r"(?:quais|que) (?:os |sao os )?(?:medicos|medicas|doutores|profissionais)",
    r"equipe medica|corpo clinico|(?:quais|que) profissionais",
    r"atende o que|atende (?:de )?que|(?:e|eh) especialista em que",
    r"(?:quem|qual) (?:e|eh|sao) (?:o|a|os|as) (?:\w+ )?(?:medico|medica|\w+ista|\w+logo|\w+iatra|\w+atra|pediatra)s?",
    r"quem (?:e|eh|sao) (?:o|a|os|as)",
    r"nome (?:do|da|dos|das) ",
    r"quem atende",
    r"lista (?:dos|de) (?:medicos|doutores|profissionais)",
    r"(?:e|eh) de que (?:area|especialidade)",
    r"(?:ainda )?(?:atende|trabalha|esta atendendo) (?:ai|aqui|na clinica|ainda|com voces)",
    r"(?:mulher|homem|feminina|masculino)",
    r"(?:quais|que) (?:os |as )?\w+(?:istas|logos|iatras|atras)\b",
    r"medicos (?:voces )?tem",
)

SPECIALTIES_Q = _rx(
    r"tem (?:algum |alguma |um |uma )?(?:otorrino|neuro|psico|fono|nutri|fisio|gastro|onco|hemato|angio|nefro|pneumo|reumato|geriatra|uro|psiquiatra|endocrino)\w*",
    r"especialidade\w*",
    r"(?:que|quais|qual) tipos? de (?:medico|especialista|consulta|atendimento|medicina)",
    r"(?:quais|que) (?:areas|area)",
    r"voces tem (?:quais|que) areas",
)

GREETING = _rx(
    r"oi+e?",
    r"ola",
    r"opa",
    r"eai|e ai",
    r"bom dia|boa tarde|boa noite",
    r"tudo (?:bem|bom|certo|joia)",
    r"hello|hey|salve",
)

GOODBYE = _rx(
    r"tchau\w*",
    r"te mais|ate mais|inte|xau",
    r"bjs|beijos|abs|ate$|fui$|ate a proxima",
    r"ate (?:mais|logo|breve|amanha|a proxima|outra hora)",
    r"falou|flw",
    r"era so isso|so isso mesmo|e so isso",
    r"fui|adeus",
    r"abracos?",
)

THANKS = _rx(
    r"deus (?:te |lhe )?pague|deus abencoe|obrigad\w*|brigad\w*|agradec\w*|valeu|grato|grata|gratidao|thanks|obg|muito bom|ajudou (?:muito|demais)"
)

CONFIRM = _rx(
    r"sim|s|ss|sss|isso|isso mesmo|exato|exatamente|certo|certinho|correto|confirm\w*",
    r"pode (?:ser|marcar|confirmar|agendar|sim|fechar)",
    r"pode",
    r"fechado|fechou|combinado|beleza|ok|okay|okk|ta bom|ta otimo|otimo|perfeito|show|blz|bora|claro",
    r"aham|uhum|hum hum|yes|positivo|com certeza|quero sim|isso ai|tudo certo|esta certo|ta certo",
)

DENY = _rx(
    r"nao|n|nn|nops|nop|nope|negativo|errado|errada|incorreto|nem|jamais|de jeito nenhum|nada disso",
    r"ta errado|esta errado|nao e isso|mudei de ideia|desisto|deixa pra la",
)

PAYMENT = _rx(
    r"cartao|cartoes|pix|dinheiro|boleto|parcel\w*|debito|credito|forma de pagamento|formas de pagamento"
)

OUT_OF_SCOPE_HINTS = _rx(
    r"dolar|euro|bitcoin|cotacao|loteria|jogo do",
    r"robo|piada|chover|chuva|remedio|futebol|politica|previsao do tempo",
)
# Topics that stay off-topic even next to booking words ("vaga de emprego").
OFF_TOPIC = _rx(
    r"emprego|curriculo|trabalhar (?:ai|na clinica)|vend\w*|compr\w*",
    r"vaga (?:de |pra |para )(?:emprego|trabalho|estagio|recepcionista|enfermeir\w*|secretari\w*|tecnic\w*|medic\w*)",
)


def has(pattern: re.Pattern[str], text: str) -> bool:
    return pattern.search(text) is not None
