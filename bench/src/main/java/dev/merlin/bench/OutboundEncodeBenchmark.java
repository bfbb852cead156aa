package dev.merlin.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.merlin.config.ActivityControl;
import dev.merlin.config.ActivityRule;
import dev.merlin.config.AuctionConfig;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.DspConfig;
import dev.merlin.config.DspPrivacy;
import dev.merlin.config.DspTraffic;
import dev.merlin.config.ExchangeSettings;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.PrivacyConfig;
import dev.merlin.config.ResidencyRule;
import dev.merlin.config.SellerConfig;
import dev.merlin.exchange.auction.Currencies;
import dev.merlin.exchange.dsp.OutboundRequestWriter;
import dev.merlin.exchange.privacy.Holdout;
import dev.merlin.exchange.privacy.IdentityKeys;
import dev.merlin.exchange.privacy.OutboundPolicy;
import dev.merlin.exchange.privacy.OutboundRules;
import dev.merlin.exchange.privacy.OutboundUser;
import dev.merlin.exchange.privacy.OutboundUserData;
import dev.merlin.exchange.privacy.PairwiseIds;
import dev.merlin.exchange.privacy.PrivacyDecision;
import dev.merlin.exchange.privacy.RefusalReason;
import dev.merlin.protocol.BidRequestDecoder;
import dev.merlin.protocol.OpenRtbDatabind;
import dev.merlin.protocol.model.BidRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encodes a typical bid request (in-app banner with two formats, a USD floor, device with IFA and geo, a user with
 * an eid and a TCF string, GDPR, an incoming one-node schain; about 1.2 KB) for one OpenRTB 2.6 DSP bidding in EUR:
 * floors converted, {@code cur}, {@code tmax}, Merlin's schain node, user data as the consent decision allows
 * ({@code privacy} = allowed: everything but buyeruid; refused: contextual). The subject is
 * {@link OutboundRequestWriter} writing into a reused Netty buffer, as the DSP stage does; the baseline is Jackson
 * databind writing a modified copy of the model ({@link DatabindOutbound}) to a fresh array. Setup checks that both
 * produce the same JSON tree.
 *
 * <p>Allocation allowance for {@link #writer}: 0 B/op when refused; 64 B/op when allowed, the two Strings Jackson
 * makes to format the precise {@code lat}/{@code lon} doubles it passes verbatim (refused, they are rounded and
 * written from a scratch array). Anything more is a regression. An {@code ext} that must be filtered or merged (none
 * here) costs a parser. The buffer and the writer's generator are created at setup.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(2)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class OutboundEncodeBenchmark {

    private static final int TMAX_MS = 140;
    private static final SellerConfig SELLER =
            new SellerConfig("demo-ssp", "Demo SSP", "ssp.example", "INTERMEDIARY", List.of("bench-token-123"), null,
                    null);

    /** Merlin's consent decision for the request. */
    @Param({"allowed", "refused"})
    public String privacy;

    private BidRequest request;
    private PrivacyDecision decision;
    private DspConfig dsp;
    private Currencies currencies;
    private OutboundRequestWriter writer;
    private ByteBuf buffer;
    private ObjectMapper mapper;
    private String schainDomain;
    private OutboundRules rules;
    private PairwiseIds pairwiseIds;
    private final char[] userId = new char[PairwiseIds.CHARS];
    /** The user's pairwise id at the DSP, computed once: the writer benchmark measures writing, not the HMAC. */
    private final OutboundUser merlinUser = new OutboundUser();
    private String pairwiseUserId;
    /** The rollout's control group: 10 % of the users of the EEA and Japan. */
    private Holdout holdout;

    /** Decodes the request and checks that writer and baseline agree. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        byte[] json = ("{\"id\":\"news-1\",\"at\":1,\"tmax\":200,\"cur\":[\"USD\"],\"imp\":[{\"id\":\"1\","
                + "\"banner\":{\"w\":300,\"h\":250,\"format\":[{\"w\":300,\"h\":250},{\"w\":320,\"h\":50}]},"
                + "\"bidfloor\":0.5,\"bidfloorcur\":\"USD\",\"secure\":1,\"tagid\":\"top-banner\"}],"
                + "\"app\":{\"id\":\"a1\",\"bundle\":\"jp.example.news\",\"cat\":[\"IAB12\"],"
                + "\"publisher\":{\"id\":\"p1\",\"name\":\"Example News\"}},"
                + "\"device\":{\"ua\":\"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)\","
                + "\"ip\":\"203.0.113.9\",\"ifa\":\"6D92078A-8246-4BA4-AE5B-76104861E7DC\",\"devicetype\":4,"
                + "\"make\":\"Apple\",\"model\":\"iPhone\",\"os\":\"iOS\",\"osv\":\"17.0\",\"lmt\":0,"
                + "\"geo\":{\"lat\":35.689487,\"lon\":139.691706,\"country\":\"JPN\",\"region\":\"13\",\"type\":2}},"
                + "\"user\":{\"id\":\"u-7f3a9c\",\"consent\":\"CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA\","
                + "\"eids\":[{\"source\":\"id5-sync.com\",\"uids\":[{\"id\":\"ID5*abcdef0123456789\",\"atype\":1}]}]},"
                + "\"regs\":{\"coppa\":0,\"gdpr\":1},\"source\":{\"tid\":\"t-1\",\"schain\":{\"complete\":1,"
                + "\"ver\":\"1.0\",\"nodes\":[{\"asi\":\"ssp.example\",\"sid\":\"pub-42\",\"hp\":1}]}}}")
                .getBytes(StandardCharsets.UTF_8);
        request = new BidRequestDecoder().decode(json, 0, json.length);
        decision = "allowed".equals(privacy) ? PrivacyDecision.ALLOWED
                : PrivacyDecision.refused(RefusalReason.GDPR_PURPOSE_NOT_CONSENTED);
        currencies = new Currencies(ExchangeSettings.defaults().withCurrencyRates(Map.of("EUR", 1.08)));
        dsp = DspConfig.builder().id("tokyo-dsp").name("Tokyo DSP").endpoint("http://127.0.0.1:9101/bid").region("JPN")
                .openrtb("2.6").traffic(new DspTraffic(null, List.of("banner", "video"), null, null))
                .currencies(List.of("EUR")).build();
        DspPrivacy dspPrivacy = new DspPrivacy("contextual", 755, null,
                new ActivityControl(true, List.of(new ActivityRule(false, null, List.of(8)))), null, null,
                new ActivityControl(true, List.of(new ActivityRule(false, List.of("USA"), null))));
        DspConfig shaped = dsp.toBuilder().privacy(dspPrivacy).build();
        MerlinConfig base = ConfigLoader.loadDefault();
        MerlinConfig shapedConfig = base.toBuilder().regions(Map.of("EEA", List.of("DEU", "FRA", "IRL")))
                .privacy(PrivacyConfig.builder().residency(List.of(
                        new ResidencyRule(List.of("EEA"), List.of("EEA")),
                        new ResidencyRule(List.of("*"), List.of("EEA", "JPN", "USA")))).build())
                .dsps(List.of(shaped)).build().validate();
        rules = new OutboundRules(shapedConfig);
        holdout = new Holdout(0.1, Set.of("DEU", "FRA", "IRL", "JPN"),
                IdentityKeys.of("bench identity secret, 32 bytes.".getBytes(StandardCharsets.US_ASCII))
                        .holdoutHash());
        pairwiseIds = PairwiseIds.of("bench pairwise key, 32 bytes long".getBytes(StandardCharsets.US_ASCII));
        merlinUser.pairwiseId(pairwiseIds, dsp.id(), request.user.id);
        pairwiseUserId = pairwiseIds.of(dsp.id(), request.user.id);
        AuctionConfig auction = AuctionConfig.defaults();
        schainDomain = auction.schainDomain();
        writer = new OutboundRequestWriter(currencies, auction);
        buffer = Unpooled.directBuffer(8192);
        mapper = OpenRtbDatabind.mapper();
        int length = writer();
        byte[] written = new byte[length];
        buffer.getBytes(0, written);
        JsonNode mine = mapper.readTree(written);
        JsonNode theirs = mapper.readTree(databind());
        if (!mine.equals(theirs)) {
            throw new IllegalStateException("writer and databind disagree:\n" + mine + "\n" + theirs);
        }
    }

    /** Releases the buffer. */
    @TearDown(Level.Trial)
    public void tearDown() {
        buffer.release();
    }

    /** The subject: the request for the DSP written into the reused buffer; returns its length. */
    @Benchmark
    public int writer() {
        buffer.clear();
        writer.write(request, SELLER, OutboundUserData.policy(decision, dsp), merlinUser, dsp, TMAX_MS, buffer);
        return buffer.writerIndex();
    }

    /**
     * The per-DSP shaping alone (issue 12's budget: at most 1 µs and 200 B per DSP per request): whether the DSP is
     * called, what its request may carry (consent, residency with two rules, three activity controls, the DSP's TCF
     * vendor consent from the cached consent string), and its pairwise user id.
     */
    @Benchmark
    public int shaping() {
        int verdict = rules.verdict(decision, request, 0);
        OutboundPolicy policy = rules.policy(decision, request, 0);
        if (policy.sharesIdentifiers()) {
            pairwiseIds.write(dsp.id(), request.user.id, userId);
        }
        return verdict + policy.categories() + userId[0];
    }

    /**
     * The rollout's arm of the request's user (once per request, not per DSP): the country among the holdout's, then
     * a SipHash of the user key under the holdout's own key. 0 B/op.
     */
    @Benchmark
    public int holdoutArm() {
        return holdout.arm(request.user.id, request.device.geo.country);
    }

    /** The pairwise user id alone (HMAC-SHA256 of the DSP's id and the user's key): the part of shaping that costs. */
    @Benchmark
    public char pairwiseId() {
        pairwiseIds.write(dsp.id(), request.user.id, userId);
        return userId[0];
    }

    /** The baseline: a modified copy of the model written by Jackson databind to a fresh array. */
    @Benchmark
    public byte[] databind() throws JsonProcessingException {
        return mapper.writeValueAsBytes(DatabindOutbound.copyFor(request, decision.mayUsePersonalData(),
                pairwiseUserId, SELLER.id(), schainDomain, TMAX_MS, currencies, dsp.floorCurrency()));
    }
}
