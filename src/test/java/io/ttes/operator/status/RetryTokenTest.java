package io.ttes.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.api.v1alpha1.TenantBootstrapStatus;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One value of ops.ttes.io/retry asks for one retry. */
class RetryTokenTest {

  @Test
  void aNewValueIsTakenOnceAndRecorded() {
    TenantBootstrap tb = bootstrap(Map.of("ops.ttes.io/retry", "1"));
    TenantBootstrapStatus status = new TenantBootstrapStatus();

    assertThat(RetryToken.take(tb, status::getRetryToken, status::setRetryToken)).isTrue();
    assertThat(status.getRetryToken()).isEqualTo("1");
    assertThat(RetryToken.take(tb, status::getRetryToken, status::setRetryToken)).isFalse();

    tb.getMetadata().setAnnotations(Map.of("ops.ttes.io/retry", "2"));
    assertThat(RetryToken.take(tb, status::getRetryToken, status::setRetryToken)).isTrue();
    assertThat(status.getRetryToken()).isEqualTo("2");
  }

  @Test
  void noAnnotationIsNoRetryAndKeepsWhatWasConsumed() {
    TenantBootstrapStatus status = new TenantBootstrapStatus();
    status.setRetryToken("1");
    assertThat(RetryToken.take(bootstrap(null), status::getRetryToken, status::setRetryToken))
        .isFalse();
    assertThat(
            RetryToken.take(
                bootstrap(Map.of("other", "x")), status::getRetryToken, status::setRetryToken))
        .isFalse();
    assertThat(status.getRetryToken()).isEqualTo("1");
  }

  private static TenantBootstrap bootstrap(Map<String, String> annotations) {
    TenantBootstrap tb = new TenantBootstrap();
    tb.setMetadata(new ObjectMetaBuilder().withName("acme").withAnnotations(annotations).build());
    return tb;
  }
}
