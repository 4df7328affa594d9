"""Build examples/survey/export.csv and export.xlsx: the same 30 answers."""
import csv
import datetime
import random

import openpyxl

rng = random.Random(10)
HEAD = ["Timestamp", "Company", "Business unit", "Respondent", "Role", "Date of assessment",
        "Formal BRM role?", "How does the business engage IT?", "Prioritisation",
        "Lifecycle stages", "Measures of success", "Business environment (0-4)",
        "Business alignment (0-4)", "Communication (0-4)", "Comments"]
MODES = ["Only when something breaks", "Order taking", "We ask them for advice",
         "They are partners"]
PRIOS = ["Whoever shouts loudest", "First come, first served", "Business priorities",
         "Jointly with the business"]
STAGES = ["Strategy", "Planning", "Investment", "Delivery", "Operations", "Value realization"]
MEASURES = ["Satisfaction", "Service levels", "Business value", "Agility", "Innovation",
            "Collaboration"]
PEOPLE = [("Ana Ruiz", "Business"), ("Ben Okafor", "IT"), ("Chloe Martin", "BRM"),
          ("Dev Patel", "Business"), ("Eva Novak", "IT")]
UNITS = {"Northwind Traders": ["Retail", "Logistics", "Finance"],
         "Contoso Health": ["Clinical", "Billing"],
         "Fabrikam Bank": ["Retail banking", "Wealth", "Operations"]}
rows = []
for company, units in UNITS.items():
    for unit in units:
        maturity = rng.randint(0, 3)
        for name, role in rng.sample(PEOPLE, 4 if len(rows) < 16 else 3):
            if len(rows) == 30:
                break
            m = max(0, min(3, maturity + rng.choice([-1, 0, 0, 1])))
            day = datetime.datetime(2026, 10, 5 + len(rows) % 20, 9 + len(rows) % 8, 15)
            stages = STAGES[1:4] if m < 2 else STAGES[:5] if m == 2 else STAGES
            measures = (MEASURES[:2] if m < 2 else MEASURES[:3] if m == 2 else MEASURES)
            rows.append([
                day, company, unit, name, role, day.date(),
                "Yes" if m > 0 else "No", MODES[m], PRIOS[m],
                "; ".join(stages) if m > 0 else ("none" if rng.random() < .5 else ""),
                "; ".join(measures) if m > 0 else "",
                min(4, m + 1 + rng.randint(0, 1)), min(4, m + 1), min(4, m + 2),
                rng.choice(["", "", "Seen in the steering minutes", "Hard to say"])])
rows = rows[:30]


def text(value):
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


with open("examples/survey/export.csv", "w", newline="", encoding="utf-8") as handle:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(HEAD)
    writer.writerows([[text(v) for v in row] for row in rows])
book = openpyxl.Workbook()
sheet = book.active
sheet.title = "Responses"
sheet.append(HEAD)
for row in rows:
    sheet.append([v if not isinstance(v, datetime.date) or isinstance(v, datetime.datetime)
                  else datetime.datetime.combine(v, datetime.time()) for v in row])
book.save("examples/survey/export.xlsx")
print(len(rows))
