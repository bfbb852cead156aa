package dev.merlin.bench.load;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The pass criteria of a soak or crash test, each with what was measured and the bound, printed as a table. */
final class Checks {

    /** One criterion. */
    record Check(String name, String measured, String bound, boolean isPass) {
    }

    private final List<Check> checks = new ArrayList<>();

    /** Adds a criterion; returns whether it passed. */
    boolean add(String name, String measured, String bound, boolean isPass) {
        checks.add(new Check(name, measured, bound, isPass));
        return isPass;
    }

    List<Check> all() {
        return List.copyOf(checks);
    }

    boolean isAllPass() {
        return checks.stream().allMatch(Check::isPass);
    }

    /** The failed checks' names, for a test's message. */
    List<String> failures() {
        return checks.stream().filter(c -> !c.isPass()).map(c -> c.name() + ": " + c.measured() + " (bound "
                + c.bound() + ")").toList();
    }

    /** A fixed-width table: check, measured, bound, PASS/FAIL. */
    String table() {
        int nameWidth = 5;
        int measuredWidth = 8;
        for (Check c : checks) {
            nameWidth = Math.max(nameWidth, c.name().length());
            measuredWidth = Math.max(measuredWidth, c.measured().length());
        }
        String row = "%-" + nameWidth + "s  %-" + measuredWidth + "s  %-6s %s%n";
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, row, "check", "measured", "result", "bound"));
        for (Check c : checks) {
            sb.append(String.format(Locale.ROOT, row, c.name(), c.measured(), c.isPass() ? "PASS" : "FAIL",
                    c.bound()));
        }
        sb.append(isAllPass() ? "ALL PASS" : "FAIL: " + failures().size() + " of " + checks.size() + " checks")
                .append('\n');
        return sb.toString();
    }

    List<Map<String, Object>> summary() {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Check c : checks) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("check", c.name());
            map.put("measured", c.measured());
            map.put("bound", c.bound());
            map.put("result", c.isPass() ? "PASS" : "FAIL");
            list.add(map);
        }
        return list;
    }
}
