package dev.merlin.bench.load;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.net.URLEncoder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * The soak's realistic mix: what an exchange sees from sellers, advertisers' pages and apps, over real HTTP. The
 * schedule repeats a pattern of 20 slots:
 *
 * <table>
 *   <caption>slots per 20 requests</caption>
 *   <tr><td>11 (55 %)</td><td>auctions: the load generator's samples, each with a fresh request id, sent with the
 *       demo seller's {@code Authorization: Bearer demo-ssp-token}</td></tr>
 *   <tr><td>3 (15 %)</td><td>pixel hits {@code GET /px} of the four demo pixels from a pool of 20,000 device ids
 *       (one in 50 a {@code purchase} with a value and an order id)</td></tr>
 *   <tr><td>2 (10 %)</td><td>app events {@code POST /events}, batches of 1–3, with the demo event sources'
 *       keys</td></tr>
 *   <tr><td>3 (15 %)</td><td>notices fired from the {@code nurl}/{@code burl}/{@code lurl} of real auction answers
 *       with {@code ${AUCTION_PRICE}} filled (80 % of the bid): of every four bids three win (win and bill
 *       notice) and one loses (loss notice)</td></tr>
 *   <tr><td>1 (5 %)</td><td>clicks on the click link in the markup of every second won bid</td></tr>
 * </table>
 *
 * A notice or click slot with nothing waiting to be fired (no answer with a bid yet) sends an auction instead, so the
 * counts per kind the soak prints are the real proportions. Each app event's {@code value} is a sequence number (1 to
 * 100,000, then again) and each pixel hit's {@code ids} a unique token, so that the crash test can tell which of them
 * reached the event log.
 */
final class SoakMix implements RequestMix {

    /** The demo seller's credential, sent with every bid request (harmless where sellers are not checked). */
    static final String SELLER_AUTHORIZATION = "Bearer demo-ssp-token";

    private enum Slot { AUCTION, PIXEL, EVENTS, NOTICE, CLICK }

    private static final Slot[] PATTERN = {
        Slot.AUCTION, Slot.PIXEL, Slot.AUCTION, Slot.NOTICE, Slot.AUCTION, Slot.EVENTS, Slot.AUCTION, Slot.PIXEL,
        Slot.AUCTION, Slot.NOTICE, Slot.AUCTION, Slot.CLICK, Slot.AUCTION, Slot.PIXEL, Slot.AUCTION, Slot.NOTICE,
        Slot.AUCTION, Slot.EVENTS, Slot.AUCTION, Slot.AUCTION};
    private static final String[] PIXELS = {"px-kaze", "px-harbour", "px-seoulbeauty", "px-northwind"};
    private static final String[][] PIXEL_EVENTS = {
        {"page_view", "IAB17"}, {"view_content", "IAB20"}, {"add_to_cart", "IAB18"}, {"search", "IAB20"}};
    private static final String[][] SOURCES = {
        {"Bearer demo-sakura-app-key-0001", "video_watch", "IAB17-44"},
        {"Bearer demo-pixelgames-key-0001", "level_complete", "IAB9-30"}};
    private static final int USERS = 20_000;
    /** App event values cycle through 1..this: the embedded demo's {@code tracking.maxConversionValue}. */
    static final long MAX_EVENT_VALUE = 100_000;
    /**
     * Links waiting to be fired; a bid's notices are queued all or none, and answers are not parsed while the queues
     * are full, so that what is fired is recent and a win always has its bill.
     */
    static final int MAX_PENDING = 1_024;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A notice or click to fire: its kind, path and query (macros filled), and the impression it is for. */
    record Pending(Kind kind, String uri, String requestId, String impId, String campaign, long maxChargeMicros) {
    }

    /** A bid request sample with its top-level id cut out, so that every auction gets a fresh one. */
    /** A request split around its top-level {@code "id"} string value, so each copy sent gets an id of its own. */
    record AuctionTemplate(byte[] before, byte[] after) {
    }

    private final String host;
    private final String tag;
    private final double keepFraction;
    private final AuctionTemplate[] auctions;
    private final String[] users = new String[USERS];
    private long eventsSent;
    private final ArrayDeque<Pending> notices = new ArrayDeque<>();
    private final ArrayDeque<Pending> clicks = new ArrayDeque<>();
    private final long[] sent = new long[Kind.values().length];
    private final long[] succeeded = new long[Kind.values().length];
    private final EventLedger ledger;
    private long bidsSeen;

    /**
     * A mix against {@code 127.0.0.1:port}; {@code tag} prefixes request ids and pixel tokens (distinct per run),
     * {@code takeRate} bounds what a notice can charge, {@code ledger} (or null) records what was accepted.
     */
    SoakMix(RequestCorpus corpus, int port, String tag, double takeRate, EventLedger ledger) {
        this.host = "127.0.0.1:" + port;
        this.tag = tag;
        this.keepFraction = 1 - takeRate;
        this.ledger = ledger;
        List<AuctionTemplate> templates = new ArrayList<>();
        for (byte[] body : corpus.bodies()) {
            AuctionTemplate template = template(body);
            if (template != null) {
                templates.add(template);
            }
        }
        if (templates.isEmpty()) {
            throw new IllegalArgumentException("no bid request in " + corpus.source() + " has a top-level id");
        }
        this.auctions = templates.toArray(new AuctionTemplate[0]);
        Random random = new Random(20261204L);
        for (int i = 0; i < USERS; i++) {
            users[i] = new UUID(random.nextLong(), random.nextLong()).toString().toUpperCase(Locale.ROOT);
        }
    }

    /** Splits a request at its top-level {@code "id"} string value; null when it has none. */
    static AuctionTemplate template(byte[] body) {
        try (JsonParser parser = new JsonFactory().createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if ("id".equals(name) && value == JsonToken.VALUE_STRING) {
                    int start = (int) parser.currentTokenLocation().getByteOffset();
                    int end = start + 1;
                    while (body[end] != '"') {
                        end += body[end] == '\\' ? 2 : 1;
                    }
                    return new AuctionTemplate(Arrays.copyOfRange(body, 0, start + 1),
                            Arrays.copyOfRange(body, end, body.length));
                }
                parser.skipChildren();
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public Sent next(long index) {
        switch (PATTERN[(int) (index % PATTERN.length)]) {
            case NOTICE -> {
                Pending notice = notices.poll();
                if (notice != null) {
                    return get(notice.kind(), notice.uri(), notice);
                }
            }
            case CLICK -> {
                Pending click = clicks.poll();
                if (click != null) {
                    return get(Kind.CLICK, click.uri(), click);
                }
            }
            case PIXEL -> {
                return pixel(index);
            }
            case EVENTS -> {
                return events(index);
            }
            default -> {
            }
        }
        return auction(index);
    }

    private Sent auction(long index) {
        AuctionTemplate template = auctions[(int) (index % auctions.length)];
        String requestId = tag + "-" + index;
        byte[] id = requestId.getBytes(StandardCharsets.US_ASCII);
        HttpHeaders headers = headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .set(HttpHeaderNames.AUTHORIZATION, SELLER_AUTHORIZATION)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, template.before.length + id.length + template.after.length);
        return count(new Sent(Kind.AUCTION, new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST,
                "/openrtb2/auction", Unpooled.wrappedBuffer(template.before, id, template.after), headers,
                EmptyHttpHeaders.INSTANCE), requestId));
    }

    private Sent pixel(long index) {
        int n = (int) (index / PATTERN.length);
        String[] event = PIXEL_EVENTS[n % PIXEL_EVENTS.length];
        String token = tag + "-" + index;
        StringBuilder uri = new StringBuilder(160).append("/px?pid=").append(PIXELS[n % PIXELS.length])
                .append("&ev=").append(n % 50 == 49 ? "purchase" : event[0]).append("&cat=").append(event[1])
                .append("&country=JPN&did=").append(users[(int) (index % USERS)]).append("&ids=").append(token);
        if (n % 50 == 49) {
            uri.append("&value=49.90&cur=USD&oid=o-").append(token);
        }
        return get(Kind.PIXEL, uri.toString(), token);
    }

    private Sent events(long index) {
        String[] source = SOURCES[(int) (index / PATTERN.length % SOURCES.length)];
        int count = 1 + (int) (index % 3);
        long[] values = new long[count];
        StringBuilder body = new StringBuilder(160 * count).append("{\"events\":[");
        for (int i = 0; i < count; i++) {
            // distinct for the first MAX_EVENT_VALUE events (a crash test sends a few thousand) and, unlike the slot
            // index, never above the demo's tracking.maxConversionValue, which would reject the event
            values[i] = eventsSent++ % MAX_EVENT_VALUE + 1;
            if (i > 0) {
                body.append(',');
            }
            body.append("{\"user\":\"").append(users[(int) ((index + i * 7919L) % USERS)]).append("\",\"event\":\"")
                    .append(source[1]).append("\",\"category\":\"").append(source[2]).append("\",\"value\":")
                    .append(values[i]).append(",\"consent\":{\"country\":\"JPN\"}}");
        }
        byte[] bytes = body.append("]}").toString().getBytes(StandardCharsets.UTF_8);
        HttpHeaders headers = headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .set(HttpHeaderNames.AUTHORIZATION, source[0])
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        return count(new Sent(Kind.EVENTS, new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST,
                "/events", Unpooled.wrappedBuffer(bytes), headers, EmptyHttpHeaders.INSTANCE), values));
    }

    private Sent get(Kind kind, String uri, Object note) {
        return count(new Sent(kind, new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri,
                Unpooled.EMPTY_BUFFER, headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0),
                EmptyHttpHeaders.INSTANCE), note));
    }

    private HttpHeaders headers() {
        return new DefaultHttpHeaders().set(HttpHeaderNames.HOST, host);
    }

    private Sent count(Sent sent) {
        this.sent[sent.kind().ordinal()]++;
        return sent;
    }

    @Override
    public boolean onAnswer(Sent sent, FullHttpResponse response) {
        int status = response.status().code();
        boolean isSuccess = switch (sent.kind()) {
            case AUCTION -> status == 200 || status == 204;
            case PIXEL -> status == 200 && "image/gif".equals(response.headers().get(HttpHeaderNames.CONTENT_TYPE));
            case EVENTS -> status == 202 && acceptedCount(response) == ((long[]) sent.note()).length;
            case WIN, BILL, LOSS -> status == 204;
            case CLICK -> status == 302;
        };
        if (!isSuccess) {
            return false;
        }
        succeeded[sent.kind().ordinal()]++;
        if (sent.kind() == Kind.AUCTION && status == 200) {
            if (notices.size() < MAX_PENDING || clicks.size() < MAX_PENDING) {
                queueNotices(response);
            }
        }
        if (ledger != null) {
            ledger.accepted(sent);
        }
        return true;
    }

    @Override
    public void onNoAnswer(Sent sent, String reason) {
        if (ledger != null) {
            ledger.unanswered(sent);
        }
    }

    private static long acceptedCount(FullHttpResponse response) {
        try {
            return JSON.readTree(new ByteBufInputStream(response.content().duplicate())).path("accepted").asLong(-1);
        } catch (IOException e) {
            return -1;
        }
    }

    /** Queues the notices (and clicks) of an answer's bids, as a seller fires them. */
    private void queueNotices(FullHttpResponse response) {
        JsonNode answer;
        try {
            answer = JSON.readTree(new ByteBufInputStream(response.content().duplicate()));
        } catch (IOException e) {
            throw new UncheckedIOException("an auction answer is not JSON", e);
        }
        String currency = answer.path("cur").asText("USD");
        String auctionId = answer.path("id").asText();
        String bidId = answer.path("bidid").asText(auctionId);
        for (JsonNode seat : answer.path("seatbid")) {
            for (JsonNode bid : seat.path("bid")) {
                double price = bid.path("price").asDouble();
                Map<String, String> macros = new LinkedHashMap<>();
                macros.put("${AUCTION_ID}", auctionId);
                macros.put("${AUCTION_BID_ID}", bidId);
                macros.put("${AUCTION_CURRENCY}", currency);
                macros.put("${AUCTION_PRICE}", decimal(price * 0.8));
                macros.put("${AUCTION_LOSS}", "102");
                macros.put("${AUCTION_MIN_TO_WIN}", decimal(price * 1.1 + 0.01));
                boolean isWon = bidsSeen % 4 != 3;
                if (notices.size() + 2 > MAX_PENDING) {
                    return;
                }
                if (isWon) {
                    pending(notices, Kind.WIN, bid.path("nurl").asText(null), macros);
                    pending(notices, Kind.BILL, bid.path("burl").asText(null), macros);
                    if (bidsSeen % 2 == 0) {
                        pending(clicks, Kind.CLICK, clickLink(bid.path("adm").asText("")), macros);
                    }
                } else {
                    macros.put("${AUCTION_PRICE}", decimal(price * 1.1 + 0.01));
                    pending(notices, Kind.LOSS, bid.path("lurl").asText(null), macros);
                }
                bidsSeen++;
            }
        }
    }

    private void pending(ArrayDeque<Pending> queue, Kind kind, String url, Map<String, String> macros) {
        if (url == null || queue.size() >= MAX_PENDING + 2) {
            return;
        }
        int hostStart = url.indexOf("//");
        int pathStart = hostStart < 0 ? url.indexOf('/') : url.indexOf('/', hostStart + 2);
        if (pathStart < 0) {
            return;
        }
        String uri = url.substring(pathStart);
        for (Map.Entry<String, String> macro : macros.entrySet()) {
            uri = uri.replace(macro.getKey(), URLEncoder.encode(macro.getValue(), StandardCharsets.UTF_8));
        }
        Map<String, List<String>> params = new QueryStringDecoder(uri).parameters();
        long bidPriceMicros = parseLong(first(params, "bp"));
        long maxCharge = bidPriceMicros < 0 ? 0 : (long) Math.ceil(bidPriceMicros / keepFraction / 1000.0) + 1;
        queue.add(new Pending(kind, uri, first(params, "rid"), first(params, "iid"), first(params, "c"), maxCharge));
    }

    /** The click link Merlin wrote into the markup (HTML attribute, VAST CDATA or native JSON), or null. */
    static String clickLink(String markup) {
        int path = markup.indexOf("/click?");
        if (path < 0) {
            return null;
        }
        int start = markup.lastIndexOf("http", path);
        int end = path;
        while (end < markup.length() && "\"'<>] \t\r\n".indexOf(markup.charAt(end)) < 0) {
            end++;
        }
        return markup.substring(start < 0 ? path : start, end).replace("&amp;", "&");
    }

    private static String first(Map<String, List<String>> params, String name) {
        List<String> values = params.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static long parseLong(String text) {
        try {
            return text == null ? -1 : Long.parseLong(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String decimal(double value) {
        return BigDecimal.valueOf(value).setScale(6, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }

    /** Requests sent and answered with their success, per kind, in {@link Kind} order. */
    Map<String, long[]> counts() {
        Map<String, long[]> counts = new LinkedHashMap<>();
        for (Kind kind : Kind.values()) {
            counts.put(kind.name().toLowerCase(Locale.ROOT), new long[] {sent[kind.ordinal()],
                    succeeded[kind.ordinal()]});
        }
        return counts;
    }
}
