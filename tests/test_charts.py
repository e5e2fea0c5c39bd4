"""Charts read at a glance: the zone on the axis, minutes for a young database, sane ticks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Engine

from dashboard import charts, insights_charts, palette, widgets
from dashboard.controls import View
from db.read import history
from db.read.filters import Filters
from db.records import NumberRecord, Observations, RequestRecord
from db.write import record

NOW = datetime(2026, 12, 1, 13, 5, tzinfo=UTC)
TOKYO = ZoneInfo("Asia/Tokyo")


def view(hours: int = 24, tz: ZoneInfo = TOKYO) -> View:
    return View(Filters(NOW - timedelta(hours=hours), NOW), "en", False, None, tz, NOW)


def test_a_young_database_is_drawn_by_the_minute_from_its_first_message() -> None:
    axis = widgets.axis(view(24), NOW - timedelta(minutes=20, seconds=30))
    assert axis.bucket == 60
    assert axis.start == datetime(2026, 12, 1, 12, 44, tzinfo=UTC)
    assert widgets.axis(view(24), NOW - timedelta(hours=20)).bucket == 3600
    assert widgets.axis(view(24), None).bucket == view(24).bucket


def test_a_single_bucket_is_one_whole_bar_on_an_axis_in_the_chosen_zone() -> None:
    axis = widgets.axis(view(24), NOW - timedelta(minutes=3))
    one = pd.DataFrame(
        {
            "bucket": [pd.Timestamp(NOW - timedelta(minutes=3))],
            "delivered": [4],
            "failed": [1],
            "pending": [0],
            "gave_up": [0],
        }
    )
    fig = charts.outcome_over_time(one, axis)
    assert fig.layout.xaxis.title.text == "Time (Asia/Tokyo)"
    # 13:02 UTC is 22:02 in Tokyo: the bar sits at the zone's wall-clock time.
    assert pd.Timestamp(fig.data[0].x[0]) == pd.Timestamp("2026-12-01 22:02")
    start, end = (pd.Timestamp(v) for v in fig.layout.xaxis.range)
    assert end == pd.Timestamp("2026-12-01 22:05") and start <= pd.Timestamp(fig.data[0].x[0])
    assert fig.data[0].width == 60_000 * 0.92 and fig.data[0].offset == 0
    stops = [s.value for s in fig.layout.xaxis.tickformatstops]
    assert stops and not any("%L" in s or "%f" in s for s in stops)
    assert fig.layout.yaxis.dtick == 1  # counts of a few: whole ticks, not 0.5 steps


def test_one_credit_sample_is_a_point_on_an_axis_around_it() -> None:
    axis = widgets.axis(view(24), NOW - timedelta(minutes=3))
    fig = charts.credit_line(
        pd.DataFrame({"bucket": [pd.Timestamp(NOW)], "credit": [5000.5]}), axis
    )
    assert "markers" in fig.data[0].mode
    low, high = fig.layout.yaxis.range
    assert low < 5000.5 < high
    assert fig.layout.yaxis.tickformat == ",.0f"  # one format for every tick


def test_codes_keep_their_colour_on_every_chart() -> None:
    states = pd.DataFrame({"code": pd.array([2, 3, 9], dtype="Int64"), "messages": [5, 1, 1]})
    fig = charts.distribution(states, "receipt", "cs")
    assert list(fig.data[0].x) == ["2 · doručeno", "3 · nedoručeno", "9 · neznámý (9)"]
    assert list(fig.data[0].marker.color) == [palette.GREEN, palette.RED, palette.PURPLE]
    ages = pd.DataFrame(
        {"age": ["< 5 min"], "request_state": [2], "receipt_state": [3], "messages": [1]}
    )
    bars = charts.aging_bars(ages, ["< 5 min"], "cs")
    assert bars.data[0].marker.color == palette.RED and bars.data[0].name == "3 · nedoručeno"


def test_the_heatmaps_current_column_measures_ages_now_not_at_its_end(engine: Engine) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    seen = now - timedelta(minutes=4)
    listed = RequestRecord("77", "high", seen, None, "MyShop", None, 2)
    record(
        engine,
        Observations(
            "acme", seen, listed=[listed], statuses={"77": [NumberRecord("420777000001", 2, 1, 1)]}
        ),
    )
    day = Filters(now - timedelta(hours=24), now)
    heat = history.aging_heatmap(engine, day, 3600)
    newest = heat[heat["bucket"] == heat["bucket"].max()]
    assert list(newest["age"]) == ["< 5 min"]


def test_a_gateway_name_in_a_chart_legend_is_text_not_markup() -> None:
    # plotly reads <b>, <a href> and entities in trace names as markup
    name = '<a href="http://x.example/">pay</a>'
    days = pd.DataFrame(
        {
            "gateway": [name],
            "day": [datetime(2026, 12, 1, tzinfo=UTC)],
            "coverage": [0.5],
            "covered": [1],
            "sent": [2],
        }
    )
    figure = insights_charts.coverage_by_day(days, "en", ZoneInfo("Europe/Prague"))
    assert [trace.name for trace in figure.data] == [
        '&lt;a href="http://x.example/"&gt;pay&lt;/a&gt;'
    ]
