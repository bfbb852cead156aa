package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/** The content (video, audio, article) in which the impression appears. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Content {

    public String id;
    public Integer episode;
    public String title;
    public String series;
    public String season;
    public String artist;
    public String genre;
    public Integer gtax;
    public List<Integer> genres;
    public String album;
    public String isrc;
    public Producer producer;
    public String url;
    public Integer cattax;
    public List<String> cat;
    public Integer prodq;
    public Integer context;
    public String contentrating;
    public String userrating;
    public Integer qagmediarating;
    public String keywords;
    public List<String> kwarray;
    public Integer livestream;
    public Integer sourcerelationship;
    public Integer len;
    public String language;
    public String langb;
    public Integer embeddable;
    public List<Data> data;
    public Network network;
    public Channel channel;
    public RawJson ext;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        id = null;
        episode = null;
        title = null;
        series = null;
        season = null;
        artist = null;
        genre = null;
        gtax = null;
        genres = null;
        album = null;
        isrc = null;
        producer = null;
        url = null;
        cattax = null;
        cat = null;
        prodq = null;
        context = null;
        contentrating = null;
        userrating = null;
        qagmediarating = null;
        keywords = null;
        kwarray = null;
        livestream = null;
        sourcerelationship = null;
        len = null;
        language = null;
        langb = null;
        embeddable = null;
        data = null;
        network = null;
        channel = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Content)) {
            return false;
        }
        Content that = (Content) o;
        return Objects.equals(id, that.id) && Objects.equals(episode, that.episode)
                && Objects.equals(title, that.title) && Objects.equals(series, that.series)
                && Objects.equals(season, that.season) && Objects.equals(artist, that.artist)
                && Objects.equals(genre, that.genre) && Objects.equals(gtax, that.gtax)
                && Objects.equals(genres, that.genres) && Objects.equals(album, that.album)
                && Objects.equals(isrc, that.isrc) && Objects.equals(producer, that.producer)
                && Objects.equals(url, that.url) && Objects.equals(cattax, that.cattax)
                && Objects.equals(cat, that.cat) && Objects.equals(prodq, that.prodq)
                && Objects.equals(context, that.context) && Objects.equals(contentrating, that.contentrating)
                && Objects.equals(userrating, that.userrating) && Objects.equals(qagmediarating, that.qagmediarating)
                && Objects.equals(keywords, that.keywords) && Objects.equals(kwarray, that.kwarray)
                && Objects.equals(livestream, that.livestream)
                && Objects.equals(sourcerelationship, that.sourcerelationship) && Objects.equals(len, that.len)
                && Objects.equals(language, that.language) && Objects.equals(langb, that.langb)
                && Objects.equals(embeddable, that.embeddable) && Objects.equals(data, that.data)
                && Objects.equals(network, that.network) && Objects.equals(channel, that.channel)
                && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(id);
        h = 31 * h + Objects.hashCode(episode);
        h = 31 * h + Objects.hashCode(title);
        h = 31 * h + Objects.hashCode(series);
        h = 31 * h + Objects.hashCode(season);
        h = 31 * h + Objects.hashCode(artist);
        h = 31 * h + Objects.hashCode(genre);
        h = 31 * h + Objects.hashCode(gtax);
        h = 31 * h + Objects.hashCode(genres);
        h = 31 * h + Objects.hashCode(album);
        h = 31 * h + Objects.hashCode(isrc);
        h = 31 * h + Objects.hashCode(producer);
        h = 31 * h + Objects.hashCode(url);
        h = 31 * h + Objects.hashCode(cattax);
        h = 31 * h + Objects.hashCode(cat);
        h = 31 * h + Objects.hashCode(prodq);
        h = 31 * h + Objects.hashCode(context);
        h = 31 * h + Objects.hashCode(contentrating);
        h = 31 * h + Objects.hashCode(userrating);
        h = 31 * h + Objects.hashCode(qagmediarating);
        h = 31 * h + Objects.hashCode(keywords);
        h = 31 * h + Objects.hashCode(kwarray);
        h = 31 * h + Objects.hashCode(livestream);
        h = 31 * h + Objects.hashCode(sourcerelationship);
        h = 31 * h + Objects.hashCode(len);
        h = 31 * h + Objects.hashCode(language);
        h = 31 * h + Objects.hashCode(langb);
        h = 31 * h + Objects.hashCode(embeddable);
        h = 31 * h + Objects.hashCode(data);
        h = 31 * h + Objects.hashCode(network);
        h = 31 * h + Objects.hashCode(channel);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }

    @Override
    public String toString() {
        return "Content{id=" + id + "}";
    }
}
