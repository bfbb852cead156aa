package dev.merlin.exchange.http;

import dev.merlin.protocol.JsonText;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/**
 * The date range and format of an admin report: {@code from} and {@code to} (YYYY-MM-DD, UTC days, inclusive;
 * {@code to} defaults to today, {@code from} to {@code to}), at most {@code maxDays} days, and {@code format=csv|json}
 * (else CSV when {@code Accept} asks for {@code text/csv}). A bad parameter is a {@link BadParameter} naming it.
 */
record ReportRange(LocalDate from, LocalDate to, boolean isCsv) {

    /** A parameter that is not what the report takes: 400 naming it. */
    static final class BadParameter extends Exception {
        private final String parameter;

        BadParameter(String parameter, String message) {
            super(message, null, false, false);
            this.parameter = parameter;
        }

        /** The query parameter at fault. */
        String parameter() {
            return parameter;
        }
    }

    /** The range and format asked by {@code params} and {@code request}, {@code today} being the UTC day now. */
    static ReportRange of(Map<String, List<String>> params, FullHttpRequest request, LocalDate today, int maxDays)
            throws BadParameter {
        LocalDate to = date(params, "to", today);
        LocalDate from = date(params, "from", to);
        if (from.isAfter(to)) {
            throw new BadParameter("from", "from " + from + " is after to " + to);
        }
        if (ChronoUnit.DAYS.between(from, to) >= maxDays) {
            throw new BadParameter("to", "the range from " + from + " to " + to + " is longer than " + maxDays
                    + " days");
        }
        return new ReportRange(from, to, isCsv(params, request));
    }

    private static LocalDate date(Map<String, List<String>> params, String name, LocalDate otherwise)
            throws BadParameter {
        List<String> values = params.get(name);
        if (values == null || values.isEmpty()) {
            return otherwise;
        }
        String value = values.get(0);
        try {
            LocalDate date = LocalDate.parse(value);
            if (date.getYear() < 2000 || date.getYear() > 9999) {
                throw new BadParameter(name, name + " must be a date from 2000 to 9999: " + value);
            }
            return date;
        } catch (DateTimeParseException e) {
            throw new BadParameter(name, name + " must be a date YYYY-MM-DD: " + quoted(value));
        }
    }

    private static boolean isCsv(Map<String, List<String>> params, FullHttpRequest request) throws BadParameter {
        String format = QueryParams.first(params, "format");
        if (format == null) {
            return request.headers().get(HttpHeaderNames.ACCEPT, "").contains("text/csv");
        }
        if (!format.equals("csv") && !format.equals("json")) {
            throw new BadParameter("format", "format must be csv or json: " + quoted(format));
        }
        return format.equals("csv");
    }

    /** {@code value} as a JSON string literal. */
    static String quoted(String value) {
        StringBuilder sb = new StringBuilder(value.length() + 2);
        JsonText.appendString(sb, value);
        return sb.toString();
    }
}
