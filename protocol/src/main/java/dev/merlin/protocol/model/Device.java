package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/** The device through which the user will see the ad. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Device {

    public Geo geo;
    public Integer dnt;
    public Integer lmt;
    public String ua;
    public UserAgent sua;
    public String ip;
    public String ipv6;
    public Integer devicetype;
    public String make;
    public String model;
    public String os;
    public String osv;
    public String hwv;
    public Integer h;
    public Integer w;
    public Integer ppi;
    public Double pxratio;
    public Integer js;
    public Integer geofetch;
    public String flashver;
    public String language;
    public String langb;
    public String carrier;
    public String mccmnc;
    public Integer connectiontype;
    public String ifa;
    public String didsha1;
    public String didmd5;
    public String dpidsha1;
    public String dpidmd5;
    public String macsha1;
    public String macmd5;
    public RawJson ext;

    /**
     * iOS App Tracking Transparency status, read by {@code BidRequestDecoder} from {@code ext.atts} (0 not determined,
     * 1 restricted, 2 denied, 3 authorized) for the consent gate. Not a JSON field of its own: databind and the
     * encoder skip it, and {@code ext} still carries the value untouched.
     */
    @JsonIgnore
    public Integer atts;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        geo = null;
        dnt = null;
        lmt = null;
        ua = null;
        sua = null;
        ip = null;
        ipv6 = null;
        devicetype = null;
        make = null;
        model = null;
        os = null;
        osv = null;
        hwv = null;
        h = null;
        w = null;
        ppi = null;
        pxratio = null;
        js = null;
        geofetch = null;
        flashver = null;
        language = null;
        langb = null;
        carrier = null;
        mccmnc = null;
        connectiontype = null;
        ifa = null;
        didsha1 = null;
        didmd5 = null;
        dpidsha1 = null;
        dpidmd5 = null;
        macsha1 = null;
        macmd5 = null;
        ext = null;
        atts = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Device)) {
            return false;
        }
        Device that = (Device) o;
        return Objects.equals(geo, that.geo) && Objects.equals(dnt, that.dnt) && Objects.equals(lmt, that.lmt)
                && Objects.equals(ua, that.ua) && Objects.equals(sua, that.sua) && Objects.equals(ip, that.ip)
                && Objects.equals(ipv6, that.ipv6) && Objects.equals(devicetype, that.devicetype)
                && Objects.equals(make, that.make) && Objects.equals(model, that.model) && Objects.equals(os, that.os)
                && Objects.equals(osv, that.osv) && Objects.equals(hwv, that.hwv) && Objects.equals(h, that.h)
                && Objects.equals(w, that.w) && Objects.equals(ppi, that.ppi) && Objects.equals(pxratio, that.pxratio)
                && Objects.equals(js, that.js) && Objects.equals(geofetch, that.geofetch)
                && Objects.equals(flashver, that.flashver) && Objects.equals(language, that.language)
                && Objects.equals(langb, that.langb) && Objects.equals(carrier, that.carrier)
                && Objects.equals(mccmnc, that.mccmnc) && Objects.equals(connectiontype, that.connectiontype)
                && Objects.equals(ifa, that.ifa) && Objects.equals(didsha1, that.didsha1)
                && Objects.equals(didmd5, that.didmd5) && Objects.equals(dpidsha1, that.dpidsha1)
                && Objects.equals(dpidmd5, that.dpidmd5) && Objects.equals(macsha1, that.macsha1)
                && Objects.equals(macmd5, that.macmd5) && Objects.equals(ext, that.ext)
                && Objects.equals(atts, that.atts);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(geo);
        h = 31 * h + Objects.hashCode(dnt);
        h = 31 * h + Objects.hashCode(lmt);
        h = 31 * h + Objects.hashCode(ua);
        h = 31 * h + Objects.hashCode(sua);
        h = 31 * h + Objects.hashCode(ip);
        h = 31 * h + Objects.hashCode(ipv6);
        h = 31 * h + Objects.hashCode(devicetype);
        h = 31 * h + Objects.hashCode(make);
        h = 31 * h + Objects.hashCode(model);
        h = 31 * h + Objects.hashCode(os);
        h = 31 * h + Objects.hashCode(osv);
        h = 31 * h + Objects.hashCode(hwv);
        h = 31 * h + Objects.hashCode(h);
        h = 31 * h + Objects.hashCode(w);
        h = 31 * h + Objects.hashCode(ppi);
        h = 31 * h + Objects.hashCode(pxratio);
        h = 31 * h + Objects.hashCode(js);
        h = 31 * h + Objects.hashCode(geofetch);
        h = 31 * h + Objects.hashCode(flashver);
        h = 31 * h + Objects.hashCode(language);
        h = 31 * h + Objects.hashCode(langb);
        h = 31 * h + Objects.hashCode(carrier);
        h = 31 * h + Objects.hashCode(mccmnc);
        h = 31 * h + Objects.hashCode(connectiontype);
        h = 31 * h + Objects.hashCode(ifa);
        h = 31 * h + Objects.hashCode(didsha1);
        h = 31 * h + Objects.hashCode(didmd5);
        h = 31 * h + Objects.hashCode(dpidsha1);
        h = 31 * h + Objects.hashCode(dpidmd5);
        h = 31 * h + Objects.hashCode(macsha1);
        h = 31 * h + Objects.hashCode(macmd5);
        h = 31 * h + Objects.hashCode(ext);
        h = 31 * h + Objects.hashCode(atts);
        return h;
    }
}
