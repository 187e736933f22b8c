package io.ttes.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.Stacks.StackInfo;
import io.ttes.operator.aws.fake.CallLog;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.aws.fake.FakeChangeSets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeclaredNoEchoTest {
  private static final String IMAGE = "docker.io/thethingsindustries/lorawan-stack:";

  private final FakeAws aws = new FakeAws();
  private final DeclaredNoEcho declared = new DeclaredNoEcho();

  @Test
  void theTemplatesDeclarationDecidesAndIsReadOncePerStackAndTemplate() {
    aws.stacks()
        .stack("svc")
        .parameter("Image", IMAGE + "3.33.1-aws")
        .noEchoParameter("CookieHashKey", "s3cret");

    StackInfo first = aws.stacks().stack("svc").info();
    assertThat(declared.of(first, aws.changeSets())).containsExactly("CookieHashKey");
    assertThat(declared.of(first, aws.changeSets())).containsExactly("CookieHashKey");
    assertThat(aws.calls().count(FakeChangeSets.GET_TEMPLATE_SUMMARY)).isEqualTo(1);

    // Updated (outside the operator, same version): its template may declare new NoEcho keys.
    aws.stacks().stack("svc").noEchoParameter("ApiKey", "other-s3cret");
    StackInfo updated = at(first, first.lastUpdated().plusSeconds(60));
    assertThat(declared.of(updated, aws.changeSets()))
        .containsExactlyInAnyOrder("CookieHashKey", "ApiKey");
    assertThat(aws.calls().count(FakeChangeSets.GET_TEMPLATE_SUMMARY)).isEqualTo(2);
  }

  @Test
  void aRefusedReadIsNotKeptAndIsTriedAgain() {
    aws.stacks().stack("svc").noEchoParameter("CookieHashKey", "s3cret");
    StackInfo info = aws.stacks().stack("svc").info();
    aws.calls()
        .failNext(
            FakeChangeSets.GET_TEMPLATE_SUMMARY,
            CallLog.accessDenied(FakeChangeSets.GET_TEMPLATE_SUMMARY));

    assertThatThrownBy(() -> declared.of(info, aws.changeSets())).isInstanceOf(AwsException.class);
    assertThat(declared.of(info, aws.changeSets())).containsExactly("CookieHashKey");
  }

  private static StackInfo at(StackInfo s, Instant lastUpdated) {
    return new StackInfo(
        s.name(),
        s.stackId(),
        s.status(),
        s.statusReason(),
        lastUpdated,
        Map.copyOf(s.parameters()),
        s.outputs(),
        s.tags());
  }
}
