package dev.merlin.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.merlin.protocol.model.RawJson;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Eid;
import dev.merlin.protocol.model.SupplyChain;
import java.io.IOException;
import java.util.List;

/**
 * What a databind-based decoder must add to produce the same model as {@code BidRequestDecoder}: the OpenRTB 2.5
 * {@code ext} locations moved into their 2.6 fields when those are absent (regs.ext.gdpr, us_privacy, gpp and
 * gpp_sid, user.ext.consent and eids, source.ext.schain), and device.ext.atts read into {@code Device.atts}. Used
 * only as the benchmark's baseline, so both sides do the same work on 2.5-style requests; a request without those
 * ext objects costs nothing extra.
 */
final class DatabindUpconvert {

    private static final TypeReference<List<Eid>> EIDS = new TypeReference<>() { };
    private static final TypeReference<List<Integer>> SECTION_IDS = new TypeReference<>() { };

    private DatabindUpconvert() {
    }

    static BidRequest apply(ObjectMapper mapper, BidRequest request) throws IOException {
        if (request.regs != null && request.regs.ext != null) {
            JsonNode ext = tree(mapper, request.regs.ext);
            if (request.regs.gdpr == null && ext.has("gdpr")) {
                request.regs.gdpr = ext.get("gdpr").asInt();
            }
            if (request.regs.us_privacy == null && ext.has("us_privacy")) {
                request.regs.us_privacy = ext.get("us_privacy").asText();
            }
            if (request.regs.gpp == null && ext.hasNonNull("gpp")) {
                request.regs.gpp = ext.get("gpp").asText();
            }
            if (request.regs.gpp_sid == null && ext.hasNonNull("gpp_sid")) {
                request.regs.gpp_sid = mapper.convertValue(ext.get("gpp_sid"), SECTION_IDS);
            }
        }
        if (request.device != null && request.device.ext != null) {
            JsonNode ext = tree(mapper, request.device.ext);
            if (ext.hasNonNull("atts")) {
                request.device.atts = ext.get("atts").asInt();
            }
        }
        if (request.user != null && request.user.ext != null) {
            JsonNode ext = tree(mapper, request.user.ext);
            if (request.user.consent == null && ext.has("consent")) {
                request.user.consent = ext.get("consent").asText();
            }
            if (request.user.eids == null && ext.has("eids")) {
                request.user.eids = mapper.convertValue(ext.get("eids"), EIDS);
            }
        }
        if (request.source != null && request.source.ext != null && request.source.schain == null) {
            JsonNode ext = tree(mapper, request.source.ext);
            if (ext.has("schain")) {
                request.source.schain = mapper.treeToValue(ext.get("schain"), SupplyChain.class);
            }
        }
        return request;
    }

    private static JsonNode tree(ObjectMapper mapper, RawJson raw) throws IOException {
        return mapper.readTree(raw.json());
    }
}
