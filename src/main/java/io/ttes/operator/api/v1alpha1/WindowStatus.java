package io.ttes.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import lombok.Data;
import lombok.NoArgsConstructor;

/** What the upgrade waits for when the maintenance window is closed. */
@Data
@NoArgsConstructor
public class WindowStatus {
  @JsonPropertyDescription("The window, as in Mon, Thu 22:00 for 3h (Europe/Amsterdam).")
  private String window;

  @JsonPropertyDescription("When the window next opens (RFC 3339).")
  private String nextOpening;

  @JsonPropertyDescription("The step that waits for it.")
  private String step;
}
