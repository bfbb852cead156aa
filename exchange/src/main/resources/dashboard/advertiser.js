// An advertiser's page: its campaigns' impressions, clicks, conversions and spend per day, from
// /reports/campaigns, opened with its report token.
"use strict";

(() => {
  const KEY = "merlin.reportToken";
  const DAYS = 30;
  const panels = new Map();
  const token = MerlinCharts.login(KEY, load);
  window.merlinAdvertiser = { lastReport: null };

  function isoDay(date) {
    return date.toISOString().slice(0, 10);
  }

  async function load() {
    const current = token();
    if (!current) {
      MerlinCharts.signOut(KEY, null);
      return;
    }
    MerlinCharts.showBoard();
    const to = new Date();
    const from = new Date(to.getTime() - (DAYS - 1) * 86400000);
    try {
      const report = await MerlinCharts.getJson("/reports/campaigns?from=" + isoDay(from) + "&to=" + isoDay(to),
        current);
      window.merlinAdvertiser.lastReport = report;
      render(report);
      MerlinCharts.status("as of " + new Date().toLocaleTimeString() + " · " + report.currency);
    } catch (error) {
      if (error.status === 401) {
        MerlinCharts.signOut(KEY, "The report token was refused (401).");
      } else {
        MerlinCharts.status("no answer: " + error.message);
      }
    }
  }

  function render(report) {
    const byDay = new Map();
    for (const row of report.rows) {
      const day = byDay.get(row.day) || { impressions: 0, clicks: 0, conversions: 0, spend: 0 };
      day.impressions += row.impressions;
      day.clicks += row.clicks;
      day.conversions += row.conversions;
      day.spend += Number(row.spend);
      byDay.set(row.day, day);
    }
    const days = [...byDay.keys()].sort();
    const xs = days.map((day) => Date.parse(day + "T00:00:00Z") / 1000);
    const container = document.getElementById("panels");
    for (const [id, title] of [["impressions", "Impressions per day"], ["clicks", "Clicks per day"],
      ["conversions", "Conversions per day"], ["spend", "Spend per day (" + report.currency + ")"]]) {
      let view = panels.get(id);
      if (!view) {
        view = new MerlinCharts.Panel(container, id, title, "", true);
        panels.set(id, view);
      }
      view.update(xs, { [id]: days.map((day) => byDay.get(day)[id]) });
    }
    const rows = document.querySelector("#days tbody");
    rows.innerHTML = "";
    const active = report.rows.filter((row) => row.impressions + row.clicks + row.conversions > 0
      || Number(row.spend) > 0);
    active.sort((a, b) => b.day.localeCompare(a.day) || a.campaign.localeCompare(b.campaign));
    for (const row of active) {
      const tr = document.createElement("tr");
      for (const cell of [row.day, row.campaign, row.impressions, row.clicks, row.conversions, row.spend]) {
        const td = document.createElement("td");
        td.textContent = String(cell);
        tr.append(td);
      }
      rows.append(tr);
    }
  }

  load();
})();
