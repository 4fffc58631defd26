package io.fluxtrace.examples.experiment;

import io.fluxtrace.experiments.ExperimentItem;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The example's dataset, from code: countries and their capitals. */
final class Countries {

  private static final Map<String, String> CAPITALS = new LinkedHashMap<>();
  private static final Map<String, String> REGIONS = new LinkedHashMap<>();

  static {
    add("France", "Paris", "europe");
    add("Germany", "Berlin", "europe");
    add("Italy", "Rome", "europe");
    add("Spain", "Madrid", "europe");
    add("Portugal", "Lisbon", "europe");
    add("Norway", "Oslo", "europe");
    add("Japan", "Tokyo", "asia");
    add("Vietnam", "Hanoi", "asia");
    add("India", "New Delhi", "asia");
    add("Kenya", "Nairobi", "africa");
    add("Morocco", "Rabat", "africa");
    add("Ghana", "Accra", "africa");
    add("Canada", "Ottawa", "americas");
    add("Brazil", "Brasilia", "americas");
    add("Chile", "Santiago", "americas");
    add("Australia", "Canberra", "oceania");
  }

  private Countries() {}

  private static void add(String country, String capital, String region) {
    CAPITALS.put(country, capital);
    REGIONS.put(country, region);
  }

  /** The capital of {@code country}, or "unknown". */
  static String capital(String country) {
    return CAPITALS.getOrDefault(country, "unknown");
  }

  /** {@code count} items, going round the countries; each with its region as metadata. */
  static List<ExperimentItem> items(int count) {
    List<String> countries = new ArrayList<>(CAPITALS.keySet());
    List<ExperimentItem> items = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      String country = countries.get(i % countries.size());
      items.add(ExperimentItem.of(country, CAPITALS.get(country))
          .withId("capital-" + i)
          .withMetadata("region", REGIONS.get(country)));
    }
    return items;
  }
}
