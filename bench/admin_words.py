"""Words the admin benchmark builds names and messages from.

Names mix the languages the bot speaks. The vocabulary is ordered by how
common each word is: the generator draws from it with a power law, so the
first words are in a large share of messages and the last in a handful, as
in real chat. ``RARE`` words are planted in an exact number of messages.
"""

from __future__ import annotations


def _words(text: str) -> list[str]:
    return text.split()


FIRST_NAMES = _words("""
Maria Ana Joao Pedro Lucas Gabriel Rafael Mateus Julia Beatriz Laura Sofia Isabela Camila Fernanda
Carlos Jose Luis Miguel Diego Javier Alejandro Pablo Sergio Andres Carmen Lucia Elena Paula Marta
Olena Oksana Iryna Natalia Tetiana Andrii Dmytro Oleksandr Serhii Mykola Yulia Kateryna Viktor Ivan
John Michael David James Robert William Daniel Thomas Joseph Christopher Emily Emma Olivia Ava Mia
Mark Marco Mario Marcos Marina Mariana Marta Martin Max Maxim Nina Noah Oscar Omar Petra Quentin
Rosa Ruben Sara Simon Tomas Ursula Valentina Vera Walter Xenia Yara Zoe Ahmed Fatima Yusuf Aisha Li Wei
Hana Kenji Yuki Sakura Arjun Priya Rahul Anjali Chloe Leo Hugo Ines Nora Ivo Eva Adam Ada Igor Lena
""")

LAST_NAMES = _words("""
Silva Santos Oliveira Souza Rodrigues Ferreira Alves Pereira Lima Gomes Costa Ribeiro Martins Carvalho
Almeida Lopes Soares Fernandes Vieira Barbosa Garcia Martinez Lopez Gonzalez Hernandez Perez Sanchez
Ramirez Torres Flores Rivera Gomez Diaz Moreno Romero Alvarez Ruiz Navarro Shevchenko Kovalenko
Bondarenko Tkachenko Kravchenko Melnyk Boyko Oliynyk Koval Polishchuk Smith Johnson Williams Brown
Jones Miller Davis Wilson Anderson Taylor Thomas Moore Jackson White Harris Clark Lewis Walker Hall
Young King Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell Roberts Carter Phillips Evans
Turner Parker Collins Edwards Stewart Morris Murphy Cook Rogers Morgan Cooper Peterson Bailey Reed
Kelly Howard Kim Lee Park Chen Wang Zhang Liu Singh Kumar Sharma Khan Ali Hassan Nakamura Tanaka
""")

# Most common first.
VOCABULARY = _words("""
the i you to a and is it my for of me please hi hello can what how in this that have do not be with
on are your thanks just so we but no yes get was will know when there help want need if thank
one can't about like time now today can up all out card payment credits money buy price account
did why send message sent got any here back still work working again answer question problem
check would could some more good day bot please help order refund pay paid credit balance charge
where who which they them then than from by at an or as has had been were also very much well ok
okay sure right wrong error issue again soon wait waiting long hours minutes reply support team
agent operator ticket issue photo video file link open close new old free price plan pass week
month year subscription cancel renew renewal invoice receipt stars telegram stripe bank transfer
visa mastercard amex paypal google apple phone number email address name user login password
code verification verify confirm confirmed pending failed declined approved success successful
received receive delivered deliver delivery shipping package tracking status update updated
morning evening night tomorrow yesterday monday tuesday wednesday thursday friday saturday sunday
obrigado obrigada ola bom dia boa tarde noite por favor ajuda pagamento cartao creditos dinheiro
gracias hola buenos dias tardes noches ayuda pago tarjeta dinero precio cuenta problema respuesta
дякую привіт допомога оплата картка гроші ціна рахунок питання відповідь проблема сьогодні завтра
great awesome perfect nice cool fine bad terrible slow fast quick urgent important sorry apologize
understand explain tell show give take make let see look find use try call talk speak write read
again later earlier before after during while until since because though although however maybe
probably definitely actually really quite almost already always never sometimes often usually
birthday gift present surprise family friend friends mom dad brother sister kids school college
university job office boss meeting project deadline report document contract agreement signature
travel trip flight hotel booking reservation ticket airport train bus car taxi uber rental
weather rain sunny cold hot snow storm wind summer winter spring autumn holiday vacation beach
coffee tea breakfast lunch dinner pizza burger salad sushi pasta chicken beef fish vegetables fruit
music movie series episode song album concert game games play played playing team match score
doctor hospital medicine appointment health sick better worse pain headache fever vaccine
laptop computer tablet screen keyboard mouse printer router wifi internet connection network server
download upload install update version app application website browser chrome firefox safari
discount coupon promo offer deal sale bonus reward points referral invite invitation partner
""")

#: Planted words: each appears in this many messages per million (rare to
#: uncommon: where choosing between the text index and walking newest first is hard).
RARE = {"xylophone": 2.5, "quetzalcoatl": 0.5, "zeppelin": 50, "kaleidoscope": 500}
#: A phrase planted in this many messages per million (its words are common).
PHRASE = ("refund", "please")
PHRASE_PER_MILLION = 200
