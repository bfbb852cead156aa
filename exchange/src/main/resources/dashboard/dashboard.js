// Merlin's live page: polls /dashboard/data once a second with the admin token and redraws each panel.
"use strict";

(() => {
  const KEY = "merlin.adminToken";
  const panels = new Map();
  let timer = null;
  const token = MerlinCharts.login(KEY, start);
  window.merlinDashboard = { lastData: null, polls: 0, panels };

  function start() {
    if (!token()) {
      MerlinCharts.signOut(KEY, null);
      return;
    }
    MerlinCharts.showBoard();
    if (timer === null) {
      poll();
      timer = setInterval(poll, 1000);
    }
  }

  async function poll() {
    const current = token();
    if (!current) {
      stop();
      return;
    }
    try {
      const data = await MerlinCharts.getJson("/dashboard/data", current);
      window.merlinDashboard.lastData = data;
      window.merlinDashboard.polls++;
      render(data);
      MerlinCharts.status("live · " + new Date().toLocaleTimeString());
    } catch (error) {
      if (error.status === 401) {
        stop();
        MerlinCharts.signOut(KEY, "The admin token was refused (401).");
      } else {
        MerlinCharts.status("no answer: " + error.message);
      }
    }
  }

  function stop() {
    if (timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  }

  function render(data) {
    const container = document.getElementById("panels");
    for (const panel of data.panels) {
      let view = panels.get(panel.id);
      if (!view) {
        view = new MerlinCharts.Panel(container, panel.id, panel.title, panel.unit, true);
        panels.set(panel.id, view);
      }
      view.update(data.t, panel.series);
    }
    for (const [name, value] of Object.entries(data.totals)) {
      const element = document.getElementById("total-" + name);
      if (element) {
        element.textContent = String(value);
      }
    }
    document.getElementById("total-samples").textContent = String(data.samples);
    const rows = document.querySelector("#campaigns tbody");
    rows.innerHTML = "";
    for (const campaign of data.campaigns) {
      const row = document.createElement("tr");
      const used = campaign.budgetUsed === null ? "–" : (campaign.budgetUsed * 100).toFixed(1) + " %";
      for (const cell of [campaign.campaign, campaign.spentToday, campaign.dailyBudget ?? "–", used,
        campaign.pacing, campaign.paceTarget ?? "–"]) {
        const td = document.createElement("td");
        td.textContent = String(cell);
        row.append(td);
      }
      rows.append(row);
    }
  }

  start();
})();
