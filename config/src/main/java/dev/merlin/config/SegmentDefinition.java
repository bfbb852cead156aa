package dev.merlin.config;

/**
 * An audience segment: campaigns target it by name, the segment store keeps its id.
 *
 * @param id          stable numeric id (1 to 2^31-1), stored per user
 * @param name        the name campaigns and rules use
 * @param description what membership means, shown to users who ask what is held about them
 */
public record SegmentDefinition(Integer id, String name, String description) {

    void validate(String at) {
        if (id == null || id < 1) {
            throw new ConfigException(at + ".id", "value " + id + " is not allowed; expected an integer from 1");
        }
        ConfigChecks.notBlank(at + ".name", name);
    }
}
