package dev.merlin.protocol;

import dev.merlin.protocol.model.App;
import dev.merlin.protocol.model.Channel;
import dev.merlin.protocol.model.Content;
import dev.merlin.protocol.model.Data;
import dev.merlin.protocol.model.Dooh;
import dev.merlin.protocol.model.Network;
import dev.merlin.protocol.model.Producer;
import dev.merlin.protocol.model.Publisher;
import dev.merlin.protocol.model.Segment;
import dev.merlin.protocol.model.Site;
import java.io.IOException;

/** Decodes where the ad will show: site, app or DOOH screen, their publisher and content. */
final class ContextDecoder {

    private final StrictJsonReader in;
    private final StrictJsonReader.ElementReader<Data> dataReader = this::data;
    private final StrictJsonReader.ElementReader<Segment> segmentReader = this::segment;

    ContextDecoder(StrictJsonReader in) {
        this.in = in;
    }

    StrictJsonReader.ElementReader<Data> dataReader() {
        return dataReader;
    }

    Site site() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        Site site = in.pool().sites.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "id": site.id = in.readString(); break;
                case "name": site.name = in.readString(); break;
                case "domain": site.domain = in.readString(); break;
                case "cattax": site.cattax = in.readInt(); break;
                case "cat": site.cat = in.readCommonStrings(); break;
                case "sectioncat": site.sectioncat = in.readCommonStrings(); break;
                case "pagecat": site.pagecat = in.readCommonStrings(); break;
                case "page": site.page = in.readString(); break;
                case "ref": site.ref = in.readString(); break;
                case "search": site.search = in.readString(); break;
                case "mobile": site.mobile = in.readInt(); break;
                case "privacypolicy": site.privacypolicy = in.readInt(); break;
                case "publisher": site.publisher = publisher(); break;
                case "content": site.content = content(); break;
                case "keywords": site.keywords = in.readString(); break;
                case "kwarray": site.kwarray = in.readStrings(); break;
                case "inventorypartnerdomain": site.inventorypartnerdomain = in.readString(); break;
                case "ext": site.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return site;
    }

    App app() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        App app = in.pool().apps.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "id": app.id = in.readString(); break;
                case "name": app.name = in.readString(); break;
                case "bundle": app.bundle = in.readString(); break;
                case "domain": app.domain = in.readString(); break;
                case "storeurl": app.storeurl = in.readString(); break;
                case "cattax": app.cattax = in.readInt(); break;
                case "cat": app.cat = in.readCommonStrings(); break;
                case "sectioncat": app.sectioncat = in.readCommonStrings(); break;
                case "pagecat": app.pagecat = in.readCommonStrings(); break;
                case "ver": app.ver = in.readString(); break;
                case "privacypolicy": app.privacypolicy = in.readInt(); break;
                case "paid": app.paid = in.readInt(); break;
                case "publisher": app.publisher = publisher(); break;
                case "content": app.content = content(); break;
                case "keywords": app.keywords = in.readString(); break;
                case "kwarray": app.kwarray = in.readStrings(); break;
                case "inventorypartnerdomain": app.inventorypartnerdomain = in.readString(); break;
                case "ext": app.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return app;
    }

    Dooh dooh() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        Dooh dooh = in.pool().doohs.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "id": dooh.id = in.readString(); break;
                case "name": dooh.name = in.readString(); break;
                case "venuetype": dooh.venuetype = in.readCommonStrings(); break;
                case "venuetypetax": dooh.venuetypetax = in.readInt(); break;
                case "publisher": dooh.publisher = publisher(); break;
                case "domain": dooh.domain = in.readString(); break;
                case "keywords": dooh.keywords = in.readString(); break;
                case "content": dooh.content = content(); break;
                case "ext": dooh.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return dooh;
    }

    private Publisher publisher() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        Publisher publisher = in.pool().publishers.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "id": publisher.id = in.readString(); break;
                case "name": publisher.name = in.readString(); break;
                case "cattax": publisher.cattax = in.readInt(); break;
                case "cat": publisher.cat = in.readCommonStrings(); break;
                case "domain": publisher.domain = in.readString(); break;
                case "ext": publisher.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return publisher;
    }

    private Producer producer() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        Producer producer = in.pool().producers.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "id": producer.id = in.readString(); break;
                case "name": producer.name = in.readString(); break;
                case "cattax": producer.cattax = in.readInt(); break;
                case "cat": producer.cat = in.readCommonStrings(); break;
                case "domain": producer.domain = in.readString(); break;
                case "ext": producer.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return producer;
    }

    private Content content() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        Content content = in.pool().contents.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "id": content.id = in.readString(); break;
                case "episode": content.episode = in.readInt(); break;
                case "title": content.title = in.readString(); break;
                case "series": content.series = in.readString(); break;
                case "season": content.season = in.readString(); break;
                case "artist": content.artist = in.readString(); break;
                case "genre": content.genre = in.readString(); break;
                case "gtax": content.gtax = in.readInt(); break;
                case "genres": content.genres = in.readInts(); break;
                case "album": content.album = in.readString(); break;
                case "isrc": content.isrc = in.readString(); break;
                case "producer": content.producer = producer(); break;
                case "url": content.url = in.readString(); break;
                case "cattax": content.cattax = in.readInt(); break;
                case "cat": content.cat = in.readCommonStrings(); break;
                case "prodq": content.prodq = in.readInt(); break;
                case "context": content.context = in.readInt(); break;
                case "contentrating": content.contentrating = in.readCommonString(); break;
                case "userrating": content.userrating = in.readCommonString(); break;
                case "qagmediarating": content.qagmediarating = in.readInt(); break;
                case "keywords": content.keywords = in.readString(); break;
                case "kwarray": content.kwarray = in.readStrings(); break;
                case "livestream": content.livestream = in.readInt(); break;
                case "sourcerelationship": content.sourcerelationship = in.readInt(); break;
                case "len": content.len = in.readNonNegativeInt(); break;
                case "language": content.language = in.readCommonString(); break;
                case "langb": content.langb = in.readCommonString(); break;
                case "embeddable": content.embeddable = in.readInt(); break;
                case "data": content.data = in.readObjects(dataReader); break;
                case "network": content.network = network(); break;
                case "channel": content.channel = channel(); break;
                case "ext": content.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return content;
    }

    private Network network() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        Network network = in.pool().networks.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "id": network.id = in.readString(); break;
                case "name": network.name = in.readString(); break;
                case "domain": network.domain = in.readString(); break;
                case "ext": network.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return network;
    }

    private Channel channel() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        Channel channel = in.pool().channels.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "id": channel.id = in.readString(); break;
                case "name": channel.name = in.readString(); break;
                case "domain": channel.domain = in.readString(); break;
                case "ext": channel.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return channel;
    }

    Data data() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        Data data = in.pool().datas.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "id": data.id = in.readString(); break;
                case "name": data.name = in.readString(); break;
                case "segment": data.segment = in.readObjects(segmentReader); break;
                case "ext": data.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return data;
    }

    private Segment segment() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        Segment segment = in.pool().segments.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "id": segment.id = in.readString(); break;
                case "name": segment.name = in.readString(); break;
                case "value": segment.value = in.readString(); break;
                case "ext": segment.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return segment;
    }
}
