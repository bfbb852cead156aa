package dev.merlin.bench.load;

import dev.merlin.exchange.events.Event;
import dev.merlin.exchange.events.EventLogReader;
import dev.merlin.exchange.events.EventType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The crash test's client-side record: every event the client got its success answer for (the {@code 202}, the
 * GIF, the {@code 204} or the {@code 302}), by an identity the event log's record carries too, with the time of the
 * answer; and the requests that got no answer because the exchange died under them.
 */
final class EventLedger {

    /** One event as the client knows it; {@code maxChargeMicros} bounds what a win or bill notice can charge. */
    record Entry(String identity, long answeredAtMillis, String campaign, long maxChargeMicros) {
    }

    /** What the event log holds: identities of the mix's events, charges per campaign, damage. */
    record LogContents(Set<String> identities, Map<String, Long> chargedMicrosByCampaign, long events,
                       List<EventLogReader.Damage> damage) {
    }

    private final Map<String, Entry> accepted = new ConcurrentHashMap<>();
    private final Map<String, Entry> unanswered = new ConcurrentHashMap<>();

    void accepted(RequestMix.Sent sent) {
        record(sent, accepted);
    }

    void unanswered(RequestMix.Sent sent) {
        record(sent, unanswered);
    }

    Map<String, Entry> accepted() {
        return accepted;
    }

    Map<String, Entry> unanswered() {
        return unanswered;
    }

    private static void record(RequestMix.Sent sent, Map<String, Entry> into) {
        long now = System.currentTimeMillis();
        switch (sent.kind()) {
            case AUCTION -> into.put("AUCTION|" + sent.note(), new Entry("AUCTION|" + sent.note(), now, null, 0));
            case PIXEL -> into.put("PIXEL|" + sent.note(), new Entry("PIXEL|" + sent.note(), now, null, 0));
            case EVENTS -> {
                for (long value : (long[]) sent.note()) {
                    String identity = "APP_EVENT|" + (double) value;
                    into.put(identity, new Entry(identity, now, null, 0));
                }
            }
            default -> {
                SoakMix.Pending notice = (SoakMix.Pending) sent.note();
                String identity = sent.kind().name() + "|" + notice.requestId() + "|" + notice.impId();
                boolean charges = sent.kind() == RequestMix.Kind.WIN || sent.kind() == RequestMix.Kind.BILL;
                into.put(identity, new Entry(identity, now, notice.campaign(), charges ? notice.maxChargeMicros()
                        : 0));
            }
        }
    }

    /** Identities in this ledger's accepted events that the log does not hold. */
    List<Entry> lostFrom(LogContents log) {
        return accepted.values().stream().filter(e -> !log.identities().contains(e.identity())).toList();
    }

    /** Reads the event log under {@code dataDir}: the identities of the mix's events and what notices charged. */
    static LogContents read(Path dataDir) throws IOException {
        Set<String> identities = new HashSet<>();
        Map<String, Long> charged = new HashMap<>();
        EventLogReader.Summary summary = EventLogReader.read(dataDir, event -> {
            String identity = identity(event);
            if (identity != null) {
                identities.add(identity);
            }
            if ((event.type() == EventType.WIN || event.type() == EventType.BILL)
                    && "charged".equals(event.fields().get("outcome"))
                    && event.fields().get("charged_micros") instanceof Long micros) {
                charged.merge((String) event.fields().get("c"), micros, Long::sum);
            }
        });
        return new LogContents(identities, charged, summary.events(), summary.damage());
    }

    private static String identity(Event event) {
        Map<String, Object> f = event.fields();
        return switch (event.type()) {
            case AUCTION -> "AUCTION|" + f.get("rid");
            case PIXEL -> f.get("ids") == null ? null : "PIXEL|" + f.get("ids");
            case APP_EVENT -> f.get("value") == null ? null : "APP_EVENT|" + f.get("value");
            case WIN, BILL, LOSS, CLICK -> event.type().name() + "|" + f.get("rid") + "|" + f.get("iid");
            default -> null;
        };
    }
}
