using System.Diagnostics;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Storage;

/// <summary>Time-dependent queue behaviour: visibility delays, the visibility timeout as a lease, and time to live. Waits are bounded polls.</summary>
public sealed class QueueVisibilityTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_message_sent_with_a_visibility_delay_is_not_receivable_until_after_it()
    {
        await using var test = await TestQueue.CreateAsync();
        var clock = Stopwatch.StartNew();

        var sent = await test.Queue.SendAsync("later", visibilityDelay: TimeSpan.FromSeconds(2));

        Assert.True(sent.TimeNextVisible > sent.InsertionTime);
        Assert.Empty(await test.Queue.ReceiveAsync(1, Bound));
        var received = Assert.Single(await test.ReceiveWithinAsync(Bound));
        Assert.Equal("later", received.Body.ToString());
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1), $"received after {clock.Elapsed}, before the 2 s delay");
    }

    [Fact]
    public async Task A_received_message_is_invisible_for_the_visibility_timeout_and_then_reappears()
    {
        await using var test = await TestQueue.CreateAsync();
        await test.Queue.SendAsync("lease");
        var clock = Stopwatch.StartNew();

        var first = Assert.Single(await test.Queue.ReceiveAsync(1, TimeSpan.FromSeconds(2)));
        Assert.Empty(await test.Queue.ReceiveAsync(1, Bound));
        var second = Assert.Single(await test.ReceiveWithinAsync(Bound));

        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1), $"reappeared after {clock.Elapsed}, before the 2 s timeout");
        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Equal((1, 2), (first.DequeueCount, second.DequeueCount));
        Assert.NotEqual(first.PopReceipt, second.PopReceipt);
        Assert.Equal("lease", second.Body.ToString());
    }

    [Fact]
    public async Task A_message_past_its_time_to_live_is_not_receivable()
    {
        await using var test = await TestQueue.CreateAsync();
        var shortLived = await test.Queue.SendAsync("expires", timeToLive: TimeSpan.FromSeconds(1));
        await test.Queue.SendAsync("stays");

        Assert.Equal(TimeSpan.FromSeconds(1), shortLived.ExpirationTime - shortLived.InsertionTime);
        // The service's times have whole-second resolution: wait until a full second past the stated expiry.
        var wait = shortLived.ExpirationTime.AddSeconds(1) - DateTimeOffset.UtcNow;
        Assert.True(wait < Bound, $"expiry is {wait} away");
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        var received = await test.Queue.ReceiveAsync(32, Bound);

        Assert.Equal(["stays"], received.Select(m => m.Body.ToString()));
    }
}
