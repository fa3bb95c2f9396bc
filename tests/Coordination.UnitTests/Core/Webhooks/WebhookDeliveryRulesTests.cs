using Coordination.Core.Webhooks;

namespace Coordination.UnitTests.Core.Webhooks;

/// <summary>The retry schedule and the endpoint-disabling rules of webhook delivery (spec §11).</summary>
public sealed class WebhookDeliveryRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly WebhookRetryPolicy Policy = WebhookRetryPolicy.Default;
    private const double NoJitter = 0.5;   // the middle of the jitter range

    [Fact]
    public void Failures_are_retried_on_the_default_schedule_and_the_eighth_exhausts_the_message()
    {
        var waits = Enumerable.Range(1, 7).Select(attempt => Decide(new AttemptOutcome(500), attempt).NextAttemptAt!.Value - Now).ToList();

        Assert.Equal([TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(5),
            TimeSpan.FromHours(10), TimeSpan.FromHours(10)], waits);
        Assert.Equal(8, Policy.MaxAttempts);
        Assert.Equal(DeliveryVerdict.Exhausted, Decide(new AttemptOutcome(500), 8).Verdict);
    }

    [Theory]
    [InlineData(null)]   // timeout, refused address, dropped connection
    [InlineData(302)]    // redirects are not followed: a failure
    [InlineData(400)]
    [InlineData(404)]
    [InlineData(500)]
    public void Anything_but_a_2xx_is_a_failure_that_is_retried(int? status)
    {
        Assert.Equal(DeliveryVerdict.RetryLater, Decide(new AttemptOutcome(status), 1).Verdict);
    }

    [Theory]
    [InlineData(200)]
    [InlineData(204)]
    [InlineData(299)]
    public void A_2xx_delivers(int status)
    {
        Assert.Equal(new DeliveryDecision(DeliveryVerdict.Delivered), Decide(new AttemptOutcome(status), 3));
    }

    [Fact]
    public void Jitter_moves_a_wait_by_at_most_its_fraction_either_way()
    {
        var earliest = Decide(new AttemptOutcome(500), 2, jitter: 0).NextAttemptAt!.Value - Now;
        var latest = Decide(new AttemptOutcome(500), 2, jitter: 0.999999).NextAttemptAt!.Value - Now;

        Assert.Equal(TimeSpan.FromMinutes(4.5), earliest);
        Assert.InRange(latest, TimeSpan.FromMinutes(5.49), TimeSpan.FromMinutes(5.5));
    }

    [Theory]
    [InlineData(429)]
    [InlineData(503)]
    public void Throttled_answers_wait_for_their_Retry_After_when_it_is_longer_than_the_schedule(int status)
    {
        Assert.Equal(Now.AddMinutes(2), Decide(new AttemptOutcome(status, TimeSpan.FromMinutes(2)), 1).NextAttemptAt);
        Assert.Equal(Now.AddMinutes(5), Decide(new AttemptOutcome(status, TimeSpan.FromSeconds(1)), 2).NextAttemptAt);    // the schedule is longer
        Assert.Equal(Now.AddHours(10), Decide(new AttemptOutcome(status, TimeSpan.FromDays(3)), 1).NextAttemptAt);        // capped
    }

    [Fact]
    public void Another_status_with_a_Retry_After_keeps_the_schedule()
    {
        Assert.Equal(Now.AddSeconds(5), Decide(new AttemptOutcome(500, TimeSpan.FromHours(1)), 1).NextAttemptAt);
    }

    [Fact]
    public void Gone_disables_the_endpoint_at_once_and_an_abort_stops_only_the_message()
    {
        var gone = Decide(new AttemptOutcome(410), 1);
        var aborted = Decide(new AttemptOutcome(500, AbortRequested: true), 1);

        Assert.Equal(DeliveryVerdict.EndpointGone, gone.Verdict);
        Assert.Contains("410", gone.DisableEndpoint, StringComparison.Ordinal);
        Assert.Equal(new DeliveryDecision(DeliveryVerdict.Aborted), aborted);
    }

    [Fact]
    public void Five_days_of_only_failures_disable_the_endpoint_and_less_does_not()
    {
        var almost = Decide(new AttemptOutcome(500), 2, failingSince: Now - TimeSpan.FromDays(5) + TimeSpan.FromSeconds(1));
        var five = Decide(new AttemptOutcome(500), 2, failingSince: Now - TimeSpan.FromDays(5));

        Assert.Null(almost.DisableEndpoint);
        Assert.Equal(DeliveryVerdict.RetryLater, five.Verdict);
        Assert.Contains("5 days", five.DisableEndpoint, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shrunk_schedule_from_settings_is_followed_and_exhausts_after_its_own_count()
    {
        var shrunk = Policy with { Delays = [TimeSpan.Zero, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200)], Jitter = 0 };

        Assert.Equal(Now.AddMilliseconds(100), WebhookDeliveryRules.Decide(new AttemptOutcome(500), 1, Now, null, shrunk, 0.3).NextAttemptAt);
        Assert.Equal(Now.AddMilliseconds(200), WebhookDeliveryRules.Decide(new AttemptOutcome(500), 2, Now, null, shrunk, 0.3).NextAttemptAt);
        Assert.Equal(DeliveryVerdict.Exhausted, WebhookDeliveryRules.Decide(new AttemptOutcome(500), 3, Now, null, shrunk, 0.3).Verdict);
    }

    private static DeliveryDecision Decide(AttemptOutcome outcome, int attempt, DateTimeOffset? failingSince = null, double jitter = NoJitter) =>
        WebhookDeliveryRules.Decide(outcome, attempt, Now, failingSince, Policy, jitter);
}
