package dev.merlin.bench;

import dev.merlin.exchange.auction.Currencies;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Device;
import dev.merlin.protocol.model.Geo;
import dev.merlin.protocol.model.Imp;
import dev.merlin.protocol.model.Source;
import dev.merlin.protocol.model.SupplyChain;
import dev.merlin.protocol.model.SupplyChainNode;
import dev.merlin.protocol.model.User;
import java.util.ArrayList;
import java.util.List;

/**
 * The databind baseline's half of {@link OutboundEncodeBenchmark}: the outbound request built the usual way, as a
 * modified copy of the model (shallow copies of the objects that change, as Prebid Server's {@code toBuilder()}
 * does), for {@code ObjectMapper.writeValueAsBytes}. It covers only what the benchmark's request has (a 2.6 DSP,
 * banner imps, an incoming schain, IPv4): enough to produce the same JSON as the writer, checked at setup.
 */
final class DatabindOutbound {

    private DatabindOutbound() {
    }

    static BidRequest copyFor(BidRequest in, boolean allowed, String userId, String sellerId, String schainDomain,
                              int tmaxMs, Currencies currencies, String dspCurrency) {
        BidRequest out = new BidRequest();
        out.id = in.id;
        out.imp = new ArrayList<>(in.imp.size());
        for (Imp imp : in.imp) {
            out.imp.add(copyImp(imp, currencies, dspCurrency));
        }
        out.site = in.site;
        out.app = in.app;
        out.dooh = in.dooh;
        out.device = allowed ? in.device : contextualDevice(in.device);
        out.user = allowed ? userForDsp(in.user, userId) : contextualUser(in.user);
        out.test = in.test;
        out.at = in.at;
        out.tmax = tmaxMs;
        out.wseat = in.wseat;
        out.bseat = in.bseat;
        out.allimps = in.allimps;
        out.cur = List.of(dspCurrency);
        out.wlang = in.wlang;
        out.wlangb = in.wlangb;
        out.acat = in.acat;
        out.bcat = in.bcat;
        out.cattax = in.cattax;
        out.badv = in.badv;
        out.bapp = in.bapp;
        out.source = source(in, sellerId, schainDomain);
        out.regs = in.regs;
        out.ext = in.ext;
        return out;
    }

    private static Imp copyImp(Imp in, Currencies currencies, String dspCurrency) {
        Imp out = new Imp();
        out.id = in.id;
        out.metric = in.metric;
        out.banner = in.banner;
        out.video = in.video;
        out.audio = in.audio;
        out.nativeAd = in.nativeAd;
        out.pmp = in.pmp;
        out.displaymanager = in.displaymanager;
        out.displaymanagerver = in.displaymanagerver;
        out.instl = in.instl;
        out.tagid = in.tagid;
        if (in.bidfloor != null) {
            long micros = currencies.toMicros(in.bidfloor, in.bidfloorcur == null ? "USD" : in.bidfloorcur);
            out.bidfloor = Math.ceil(currencies.fromMicros(micros, dspCurrency) * 10_000 - 1e-9) / 10_000;
        }
        out.bidfloorcur = dspCurrency;
        out.clickbrowser = in.clickbrowser;
        out.secure = in.secure;
        out.iframebuster = in.iframebuster;
        out.rwdd = in.rwdd;
        out.ssai = in.ssai;
        out.exp = in.exp;
        out.qty = in.qty;
        out.dt = in.dt;
        out.refresh = in.refresh;
        out.ext = in.ext;
        return out;
    }

    private static Source source(BidRequest in, String sellerId, String schainDomain) {
        Source out = new Source();
        SupplyChain chain = new SupplyChain();
        SupplyChain incoming = null;
        if (in.source != null) {
            out.fd = in.source.fd;
            out.tid = in.source.tid;
            out.pchain = in.source.pchain;
            out.ext = in.source.ext;
            incoming = in.source.schain;
        }
        chain.complete = incoming == null || incoming.complete == null ? 0 : incoming.complete;
        chain.ver = incoming == null || incoming.ver == null ? "1.0" : incoming.ver;
        chain.ext = incoming == null ? null : incoming.ext;
        chain.nodes = incoming == null || incoming.nodes == null ? new ArrayList<>(1)
                : new ArrayList<>(incoming.nodes);
        SupplyChainNode merlin = new SupplyChainNode();
        merlin.asi = schainDomain;
        merlin.sid = sellerId;
        merlin.rid = in.id;
        merlin.hp = 1;
        chain.nodes.add(merlin);
        out.schain = chain;
        return out;
    }

    /** The user with the DSP's pairwise id instead of the seller's, and no {@code buyeruid}. */
    private static User userForDsp(User in, String userId) {
        if (in == null) {
            return null;
        }
        User out = new User();
        out.id = userId;
        out.yob = in.yob;
        out.gender = in.gender;
        out.keywords = in.keywords;
        out.kwarray = in.kwarray;
        out.customdata = in.customdata;
        out.geo = in.geo;
        out.data = in.data;
        out.consent = in.consent;
        out.eids = in.eids;
        out.ext = in.ext;
        return out;
    }

    private static User contextualUser(User in) {
        if (in == null || in.consent == null && in.geo == null) {
            return null;
        }
        User out = new User();
        out.consent = in.consent;
        out.geo = coarse(in.geo);
        return out;
    }

    private static Device contextualDevice(Device in) {
        if (in == null) {
            return null;
        }
        Device out = new Device();
        out.geo = coarse(in.geo);
        out.dnt = in.dnt;
        out.lmt = in.lmt;
        out.ua = in.ua;
        out.sua = in.sua;
        out.ip = in.ip == null ? null : in.ip.substring(0, in.ip.lastIndexOf('.') + 1) + "0";
        out.devicetype = in.devicetype;
        out.make = in.make;
        out.model = in.model;
        out.os = in.os;
        out.osv = in.osv;
        out.hwv = in.hwv;
        out.h = in.h;
        out.w = in.w;
        out.ppi = in.ppi;
        out.pxratio = in.pxratio;
        out.js = in.js;
        out.language = in.language;
        out.carrier = in.carrier;
        out.connectiontype = in.connectiontype;
        return out;
    }

    private static Geo coarse(Geo in) {
        if (in == null) {
            return null;
        }
        Geo out = new Geo();
        out.lat = in.lat == null ? null : Math.round(in.lat * 100) / 100.0;
        out.lon = in.lon == null ? null : Math.round(in.lon * 100) / 100.0;
        out.type = in.type;
        out.country = in.country;
        out.region = in.region;
        out.metro = in.metro;
        out.city = in.city;
        out.utcoffset = in.utcoffset;
        return out;
    }
}
