package dev.merlin.dspsim;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the few fields the simulator answers from with Jackson's streaming parser, skipping everything else
 * without building it, so reading costs a few microseconds.
 */
final class BidRequestReader {

    private final JsonFactory json;

    BidRequestReader(JsonFactory json) {
        this.json = json;
    }

    /** The request in {@code body}; throws {@link BadRequestException} when it is not a bid request. */
    SimRequest read(byte[] body, int length) {
        try (JsonParser p = json.createParser(body, 0, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new BadRequestException("body is not a JSON object");
            }
            String id = null;
            List<String> cur = new ArrayList<>(1);
            int tmax = -1;
            List<SimRequest.Imp> imps = new ArrayList<>(2);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "id" -> id = value == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "tmax" -> tmax = value == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : -1;
                    case "cur" -> readStrings(p, cur);
                    case "imp" -> readImps(p, imps);
                    default -> p.skipChildren();
                }
            }
            if (id == null || imps.isEmpty()) {
                throw new BadRequestException(id == null ? "no request id" : "no imp");
            }
            return new SimRequest(id, cur, tmax, imps);
        } catch (JsonProcessingException e) {
            throw new BadRequestException("not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadRequestException("not JSON: " + e.getMessage());
        }
    }

    private static void readStrings(JsonParser p, List<String> into) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            p.skipChildren();
            return;
        }
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() == JsonToken.VALUE_STRING) {
                into.add(p.getText());
            } else {
                p.skipChildren();
            }
        }
    }

    private static void readImps(JsonParser p, List<SimRequest.Imp> into) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new BadRequestException("imp is not an array");
        }
        while (p.nextToken() == JsonToken.START_OBJECT) {
            into.add(readImp(p));
        }
    }

    private static SimRequest.Imp readImp(JsonParser p) throws IOException {
        ImpFields f = new ImpFields();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "id" -> f.id = value == JsonToken.VALUE_STRING ? p.getText() : null;
                case "bidfloor" -> f.bidFloor = value.isNumeric() ? p.getDoubleValue() : 0;
                case "bidfloorcur" -> f.bidFloorCur = value == JsonToken.VALUE_STRING ? p.getText() : null;
                case "secure" -> f.isSecure = value == JsonToken.VALUE_NUMBER_INT && p.getIntValue() == 1;
                case "banner" -> readSized(p, f, SimRequest.Media.BANNER);
                case "video" -> readSized(p, f, SimRequest.Media.VIDEO);
                case "audio" -> f.offer(SimRequest.Media.AUDIO, p);
                case "native" -> f.offer(SimRequest.Media.NATIVE, p);
                case "pmp" -> readPmp(p, f);
                default -> p.skipChildren();
            }
        }
        if (f.id == null) {
            throw new BadRequestException("imp without an id");
        }
        return new SimRequest.Imp(f.id, f.bidFloor, f.bidFloorCur, f.isSecure, f.width, f.height, f.media,
                f.isPrivateAuction, f.deals);
    }

    /** A banner or video object: its w/h (a banner's first format when it has none) make the bid's size. */
    private static void readSized(JsonParser p, ImpFields f, SimRequest.Media media) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return;
        }
        int w = 0;
        int h = 0;
        int formatW = 0;
        int formatH = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if ("w".equals(field) && value == JsonToken.VALUE_NUMBER_INT) {
                w = p.getIntValue();
            } else if ("h".equals(field) && value == JsonToken.VALUE_NUMBER_INT) {
                h = p.getIntValue();
            } else if ("format".equals(field) && value == JsonToken.START_ARRAY) {
                while (p.nextToken() == JsonToken.START_OBJECT) {
                    int[] size = readSize(p);
                    if (formatW == 0 && size[0] > 0 && size[1] > 0) {
                        formatW = size[0];
                        formatH = size[1];
                    }
                }
            } else {
                p.skipChildren();
            }
        }
        if (f.media == null || media.ordinal() < f.media.ordinal()) {
            f.media = media;
            f.width = w > 0 && h > 0 ? w : formatW;
            f.height = w > 0 && h > 0 ? h : formatH;
        }
    }

    private static int[] readSize(JsonParser p) throws IOException {
        int[] size = new int[2];
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if (value == JsonToken.VALUE_NUMBER_INT && "w".equals(field)) {
                size[0] = p.getIntValue();
            } else if (value == JsonToken.VALUE_NUMBER_INT && "h".equals(field)) {
                size[1] = p.getIntValue();
            } else {
                p.skipChildren();
            }
        }
        return size;
    }

    private static void readPmp(JsonParser p, ImpFields f) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if ("private_auction".equals(field)) {
                f.isPrivateAuction = value == JsonToken.VALUE_NUMBER_INT && p.getIntValue() == 1;
            } else if ("deals".equals(field) && value == JsonToken.START_ARRAY) {
                while (p.nextToken() == JsonToken.START_OBJECT) {
                    readDeal(p, f);
                }
            } else {
                p.skipChildren();
            }
        }
    }

    private static void readDeal(JsonParser p, ImpFields f) throws IOException {
        String id = null;
        double floor = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if ("id".equals(field) && value == JsonToken.VALUE_STRING) {
                id = p.getText();
            } else if ("bidfloor".equals(field) && value.isNumeric()) {
                floor = p.getDoubleValue();
            } else {
                p.skipChildren();
            }
        }
        if (id != null) {
            if (f.deals.isEmpty()) {
                f.deals = new ArrayList<>(2);
            }
            f.deals.add(new SimRequest.Deal(id, floor));
        }
    }

    /** The fields of one imp while it is being read. */
    private static final class ImpFields {
        String id;
        double bidFloor;
        String bidFloorCur;
        boolean isSecure;
        int width;
        int height;
        SimRequest.Media media;
        boolean isPrivateAuction;
        List<SimRequest.Deal> deals = List.of();

        void offer(SimRequest.Media offered, JsonParser p) throws IOException {
            p.skipChildren();
            if (media == null || offered.ordinal() < media.ordinal()) {
                media = offered;
                width = 0;
                height = 0;
            }
        }
    }

    /** The body is not a bid request the simulator can answer: it answers {@code 400}. */
    static final class BadRequestException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRequestException(String message) {
            super(message, null, false, false);
        }
    }
}
