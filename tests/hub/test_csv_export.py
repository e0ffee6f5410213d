"""Every CSV export is safe to open in a spreadsheet: no cell is read as a formula."""

import csv
import io

import pytest

from hub import csv_export
from hub.models import Campaign
from kpis.api import CSVRenderer

HOSTILE = [
    '=HYPERLINK("https://evil.example","Click")',
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_cells_become_text(text):
    assert csv_export.cell(text) == "'" + text


@pytest.mark.parametrize("value", [-0.5, 3, "-12.5", "+4", "1e-3", "Spring promo", "", None])
def test_numbers_and_plain_text_are_left_alone(value):
    assert csv_export.cell(value) == value


def test_kpi_chart_export_neutralises_a_campaign_name(client_for, member):
    for name in HOSTILE[:2]:
        Campaign.objects.create(name=name)
    response = client_for(member).get("/kpis/m/on_time/campaign.csv?period=month")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    names = sorted(row[0] for row in rows[1:])
    assert names == sorted("'" + n for n in HOSTILE[:2])


def test_kpi_feed_csv_neutralises_every_cell():
    data = {"results": [{"metric": "=evil()", "label": "@x", "value": "-1.5"}]}
    rows = list(csv.reader(io.StringIO(CSVRenderer().render(data).decode())))
    assert rows == [["metric", "label", "value"], ["'=evil()", "'@x", "-1.5"]]
