package dev.sluice.shard;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code OUT/_units/unit-NNNNN.json}: a committed unit, its shards and the counts the job recorded for it (rows,
 * measurements, documents by fate, ...). Written after the shards: its presence is the unit's commit.
 */
public record UnitRecord(int unit, List<Shard> shards, Map<String, Long> counts) {
    public UnitRecord {
        shards = List.copyOf(shards);
        counts = Collections.unmodifiableMap(new TreeMap<>(counts));
    }

    public long count(String name) {
        Long v = counts.get(name);
        if (v == null) {
            throw new IllegalStateException("unit " + unit + " recorded no '" + name + "'; it has " + counts.keySet());
        }
        return v;
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>(counts);
        m.put("unit", unit);
        m.put("shards", shards.stream().map(Shard::toJson).toList());
        return m;
    }

    @SuppressWarnings("unchecked")
    static UnitRecord fromJson(Map<String, Object> m) {
        List<Shard> shards = new ArrayList<>();
        for (Object o : (List<Object>) m.get("shards")) {
            shards.add(Shard.fromJson((Map<String, Object>) o));
        }
        Map<String, Long> counts = new TreeMap<>();
        m.forEach((k, v) -> {
            if (v instanceof Number n && !k.equals("unit")) {
                counts.put(k, n.longValue());
            }
        });
        return new UnitRecord(((Number) m.get("unit")).intValue(), shards, counts);
    }
}
