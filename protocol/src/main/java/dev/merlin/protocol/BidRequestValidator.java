package dev.merlin.protocol;

import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Deal;
import dev.merlin.protocol.model.Imp;
import java.util.List;

/**
 * The checks that need the whole request: required fields, unique impression ids, a media type per impression,
 * fields that exclude each other and the impression limit. Types and ranges are checked while decoding.
 */
final class BidRequestValidator {

    private final DecodeLimits limits;

    BidRequestValidator(DecodeLimits limits) {
        this.limits = limits;
    }

    void validate(BidRequest request) throws InvalidRequestException {
        if (isBlank(request.id)) {
            throw missing("id", "request id is required");
        }
        checkIdLength(request.id, "id");
        List<Imp> imps = request.imp;
        if (imps == null || imps.isEmpty()) {
            throw missing("imp", "at least one imp is required");
        }
        if (imps.size() > limits.maxImps()) {
            throw new InvalidRequestException(ErrorReason.TOO_MANY_IMPS, "imp",
                    imps.size() + " imps, at most " + limits.maxImps() + " are accepted");
        }
        for (int i = 0; i < imps.size(); i++) {
            validateImp(imps, i);
            checkIdLengths(imps.get(i), i);
        }
        if (request.site != null && request.app != null) {
            throw new InvalidRequestException(ErrorReason.CONFLICTING_FIELDS, "app",
                    "a request carries site or app, not both");
        }
        if (request.dooh != null && (request.site != null || request.app != null)) {
            throw new InvalidRequestException(ErrorReason.CONFLICTING_FIELDS, "dooh",
                    "a dooh request carries neither site nor app");
        }
    }

    private static void validateImp(List<Imp> imps, int index) throws InvalidRequestException {
        Imp imp = imps.get(index);
        if (isBlank(imp.id)) {
            throw missing("imp[" + index + "].id", "imp[" + index + "].id is required");
        }
        for (int j = 0; j < index; j++) {
            if (imp.id.equals(imps.get(j).id)) {
                throw new InvalidRequestException(ErrorReason.DUPLICATE_IMP_ID, "imp[" + index + "].id",
                        "imp[" + index + "].id \"" + imp.id + "\" repeats imp[" + j + "].id");
            }
        }
        if (imp.banner == null && imp.video == null && imp.audio == null && imp.nativeAd == null) {
            throw new InvalidRequestException(ErrorReason.NO_MEDIA_TYPE, "imp[" + index + "]",
                    "imp[" + index + "] must offer at least one of banner, video, audio or native");
        }
        if (imp.pmp != null && imp.pmp.deals != null) {
            List<Deal> deals = imp.pmp.deals;
            for (int d = 0; d < deals.size(); d++) {
                if (isBlank(deals.get(d).id)) {
                    String path = "imp[" + index + "].pmp.deals[" + d + "].id";
                    throw missing(path, path + " is required");
                }
            }
        }
    }

    /** The ids Merlin copies into markup and links: the impression's and its deals'. */
    private void checkIdLengths(Imp imp, int index) throws InvalidRequestException {
        if (imp.id.length() > limits.maxIdLength()) {
            checkIdLength(imp.id, "imp[" + index + "].id");
        }
        if (imp.pmp != null && imp.pmp.deals != null) {
            List<Deal> deals = imp.pmp.deals;
            for (int d = 0; d < deals.size(); d++) {
                if (deals.get(d).id.length() > limits.maxIdLength()) {
                    checkIdLength(deals.get(d).id, "imp[" + index + "].pmp.deals[" + d + "].id");
                }
            }
        }
    }

    private void checkIdLength(String id, String path) throws InvalidRequestException {
        if (id.length() > limits.maxIdLength()) {
            throw new InvalidRequestException(ErrorReason.ID_TOO_LONG, path,
                    path + " is " + id.length() + " characters, at most " + limits.maxIdLength() + " are accepted");
        }
    }

    private static InvalidRequestException missing(String path, String message) {
        return new InvalidRequestException(ErrorReason.MISSING_FIELD, path, message);
    }

    private static boolean isBlank(String value) {
        return value == null || value.isEmpty();
    }
}
