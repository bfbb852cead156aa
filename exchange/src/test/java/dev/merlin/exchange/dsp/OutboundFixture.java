package dev.merlin.exchange.dsp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.merlin.config.AuctionConfig;
import dev.merlin.config.DspConfig;
import dev.merlin.config.DspTraffic;
import dev.merlin.config.ExchangeSettings;
import dev.merlin.config.SellerConfig;
import dev.merlin.exchange.auction.Currencies;
import dev.merlin.exchange.privacy.PrivacyDecision;
import dev.merlin.protocol.BidRequestDecoder;
import dev.merlin.protocol.InvalidRequestException;
import dev.merlin.protocol.OpenRtbDatabind;
import dev.merlin.protocol.model.BidRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/** Shared set-up of the outbound tests: currencies, DSPs, a seller, the sample corpus, and one encode to bytes. */
final class OutboundFixture {

    static final int TMAX_MS = 123;
    static final Map<String, Double> RATES = Map.of("EUR", 1.08, "GBP", 1.27, "PLN", 0.25, "JPY", 0.0067);
    static final Currencies CURRENCIES =
            new Currencies(ExchangeSettings.defaults().withCurrencyRates(RATES));
    static final SellerConfig PUBLISHER =
            new SellerConfig("pub-7", "Publisher", "pub.example", "PUBLISHER", List.of("token-0123456789"), null, null);
    static final SellerConfig SSP =
            new SellerConfig("ssp-3", "SSP", "ssp.example", "INTERMEDIARY", List.of("token-9876543210"), null, null);

    final OutboundRequestWriter writer = new OutboundRequestWriter(CURRENCIES, AuctionConfig.defaults());

    static DspConfig dsp(String openrtb, List<String> currencies, List<String> mediaTypes) {
        return DspConfig.builder().id("dsp-" + openrtb.replace('.', '-')).name("DSP").endpoint("http://127.0.0.1:9/bid")
                .region("JPN").openrtb(openrtb).traffic(new DspTraffic(null, mediaTypes, null, null))
                .currencies(currencies).build();
    }

    /** The request encoded for {@code dsp}, as UTF-8 bytes; null when no imp was for it. */
    byte[] encode(BidRequest request, SellerConfig seller, PrivacyDecision privacy, DspConfig dsp) {
        ByteBuf out = Unpooled.buffer(256);
        try {
            OutboundRequestWriter.Outcome outcome = writer.write(request, seller, privacy, dsp, TMAX_MS, out);
            if (outcome == OutboundRequestWriter.Outcome.NO_IMPS) {
                if (out.readableBytes() != 0) {
                    throw new AssertionError("NO_IMPS wrote " + out.readableBytes() + " bytes");
                }
                return null;
            }
            byte[] bytes = new byte[out.readableBytes()];
            out.readBytes(bytes);
            return bytes;
        } finally {
            out.release();
        }
    }

    static BidRequest decode(byte[] json) {
        try {
            return new BidRequestDecoder().decode(json, 0, json.length);
        } catch (InvalidRequestException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static BidRequest decode(String json) {
        return decode(json.getBytes(StandardCharsets.UTF_8));
    }

    static JsonNode tree(byte[] json) {
        try {
            return OpenRtbDatabind.mapper().readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static BidRequest databind(byte[] json) {
        try {
            return OpenRtbDatabind.mapper().readValue(json, BidRequest.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sample requests the decoder takes (the corpus also holds invalid ones, which never reach a DSP). */
    static Stream<String> validSamples() {
        Path dir = samples();
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json"))
                    .sorted().filter(n -> decodes(dir.resolve(n))).toList();
            if (names.size() < 40) {
                throw new AssertionError("only " + names.size() + " valid samples in " + dir);
            }
            return names.stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] sample(String name) {
        try {
            return Files.readAllBytes(samples().resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean decodes(Path file) {
        try {
            byte[] json = Files.readAllBytes(file);
            new BidRequestDecoder().decode(json, 0, json.length);
            return true;
        } catch (InvalidRequestException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code shared/openrtb-samples/requests} above the working directory; aborts the test when it is absent. */
    static Path samples() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared/openrtb-samples/requests");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        Assumptions.abort("shared/openrtb-samples/requests not found above " + Path.of("").toAbsolutePath()
                + ": the outbound corpus tests need the public sample corpus");
        return null;
    }

    private OutboundFixture() {
    }

    static OutboundFixture create() {
        return new OutboundFixture();
    }
}
