// Shared by Merlin's dashboard pages: the token kept in this tab's session storage (sent as a Bearer header, never
// in a URL), and uPlot charts that are created once per panel and updated in place.
"use strict";

const MerlinCharts = (() => {
  const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf"];

  /** The token login: the form, the forget button and the status line of a page. */
  function login(storageKey, onToken) {
    const form = document.getElementById("login");
    const input = document.getElementById("token");
    const refused = document.getElementById("refused");
    const forget = document.getElementById("forget");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      sessionStorage.setItem(storageKey, input.value);
      input.value = "";
      refused.hidden = true;
      onToken();
    });
    forget.addEventListener("click", () => signOut(storageKey, null));
    return () => sessionStorage.getItem(storageKey);
  }

  /** Forgets the token and shows the form again, with {@code message} when the server refused it. */
  function signOut(storageKey, message) {
    sessionStorage.removeItem(storageKey);
    document.getElementById("board").hidden = true;
    document.getElementById("login").hidden = false;
    document.getElementById("forget").hidden = true;
    const refused = document.getElementById("refused");
    refused.hidden = !message;
    refused.textContent = message || "";
    status("not connected");
  }

  function showBoard() {
    document.getElementById("board").hidden = false;
    document.getElementById("login").hidden = true;
    document.getElementById("forget").hidden = false;
  }

  function status(text) {
    document.getElementById("status").textContent = text;
  }

  /** GETs {@code path} with the token; resolves to the parsed JSON, or rejects with the HTTP status. */
  async function getJson(path, token) {
    const response = await fetch(path, { headers: { "Authorization": "Bearer " + token }, cache: "no-store" });
    if (!response.ok) {
      const error = new Error("HTTP " + response.status);
      error.status = response.status;
      throw error;
    }
    return response.json();
  }

  /** A panel: a titled box with a uPlot chart of named series over x (epoch seconds) and their latest values. */
  class Panel {
    constructor(container, id, title, unit, timeAxis) {
      this.id = id;
      this.unit = unit;
      this.timeAxis = timeAxis;
      this.box = document.createElement("div");
      this.box.className = "panel";
      this.box.dataset.panel = id;
      const heading = document.createElement("h3");
      heading.textContent = title;
      this.plot = document.createElement("div");
      this.latest = document.createElement("div");
      this.latest.className = "latest";
      this.box.append(heading, this.plot, this.latest);
      container.append(this.box);
      this.names = null;
      this.chart = null;
    }

    /** Draws {@code xs} against each series of {@code series} (name → values, null for a gap). */
    update(xs, series) {
      const names = Object.keys(series);
      if (names.length === 0 || xs.length === 0) {
        this.latest.innerHTML = "";
        const empty = document.createElement("span");
        empty.className = "empty";
        empty.textContent = "nothing yet";
        this.latest.append(empty);
        return;
      }
      const data = [xs].concat(names.map((name) => series[name]));
      if (this.chart === null || this.names.join("\u0000") !== names.join("\u0000")) {
        if (this.chart !== null) {
          this.chart.destroy();
        }
        this.names = names;
        this.chart = new uPlot({
          width: 440, height: 200,
          scales: { x: { time: this.timeAxis } },
          legend: { show: false },
          series: [{}].concat(names.map((name, i) => ({ label: name, stroke: PALETTE[i % PALETTE.length],
            width: 1.5, spanGaps: false }))),
        }, data, this.plot);
      } else {
        this.chart.setData(data);
      }
      this.latest.innerHTML = "";
      names.forEach((name, i) => {
        const values = series[name];
        let last = null;
        for (let j = values.length - 1; j >= 0 && last === null; j--) {
          last = values[j];
        }
        const item = document.createElement("span");
        item.style.color = PALETTE[i % PALETTE.length];
        const value = document.createElement("b");
        value.className = "value";
        value.dataset.panel = this.id;
        value.dataset.series = name;
        value.textContent = last === null ? "–" : String(last);
        item.append(name + " ", value, this.unit ? " " + this.unit : "");
        this.latest.append(item);
      });
    }
  }

  return { login, signOut, showBoard, status, getJson, Panel };
})();
