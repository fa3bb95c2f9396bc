using System.Diagnostics;
using Coordination.Storage;

namespace Coordination.IntegrationTests.Storage;

/// <summary>Time-dependent queue behaviour: visibility delays, the visibility timeout as a lease, and TTL. Waits are bounded polls.</summary>
public sealed class QueueVisibilityTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_message_sent_with_a_visibility_delay_is_not_receivable_until_after_it()
    {
        await using var queue = await QueueTestQueue.CreateAsync();
        var clock = Stopwatch.StartNew();

        var sent = await queue.Client.SendMessageAsync("later", visibilityDelay: TimeSpan.FromSeconds(2));

        Assert.True(sent.NextVisibleOn > sent.InsertedOn);
        Assert.Empty(await queue.Client.ReceiveMessagesAsync());
        var received = Assert.Single(await queue.ReceiveWithinAsync(Bound));
        Assert.Equal("later", received.Text);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1), $"received after {clock.Elapsed}, before the 2 s delay");
    }

    [Fact]
    public async Task A_received_message_is_invisible_for_the_visibility_timeout_and_then_reappears()
    {
        await using var queue = await QueueTestQueue.CreateAsync();
        await queue.Client.SendMessageAsync("lease");
        var clock = Stopwatch.StartNew();

        var first = Assert.Single(await queue.Client.ReceiveMessagesAsync(visibilityTimeout: TimeSpan.FromSeconds(2)));
        Assert.Empty(await queue.Client.ReceiveMessagesAsync());
        var second = Assert.Single(await queue.ReceiveWithinAsync(Bound));

        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1), $"reappeared after {clock.Elapsed}, before the 2 s timeout");
        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Equal(1, first.DequeueCount);
        Assert.Equal(2, second.DequeueCount);
        Assert.NotEqual(first.PopReceipt, second.PopReceipt);
        Assert.Equal("lease", second.Text);
    }

    [Fact]
    public async Task Delete_with_the_receipt_of_an_earlier_receive_is_not_found()
    {
        await using var queue = await QueueTestQueue.CreateAsync();
        await queue.Client.SendMessageAsync("twice");
        var first = Assert.Single(await queue.Client.ReceiveMessagesAsync(visibilityTimeout: TimeSpan.FromSeconds(1)));
        var second = Assert.Single(await queue.ReceiveWithinAsync(Bound));

        var stale = await queue.Client.DeleteMessageAsync(first.MessageId, first.PopReceipt);
        var current = await queue.Client.DeleteMessageAsync(second.MessageId, second.PopReceipt);

        Assert.Equal(StorageOutcome.NotFound, stale.Outcome);
        Assert.Equal("PopReceiptMismatch", stale.ErrorCode);
        Assert.Equal(StorageOutcome.Succeeded, current.Outcome);
    }

    [Fact]
    public async Task A_message_past_its_time_to_live_is_not_receivable()
    {
        await using var queue = await QueueTestQueue.CreateAsync();
        var shortLived = await queue.Client.SendMessageAsync("expires", timeToLive: TimeSpan.FromSeconds(1));
        await queue.Client.SendMessageAsync("stays");

        Assert.Equal(TimeSpan.FromSeconds(1), shortLived.ExpiresOn - shortLived.InsertedOn);
        // The service's times have whole-second resolution: wait until a full second past the stated expiry.
        var wait = shortLived.ExpiresOn.AddSeconds(1) - DateTimeOffset.UtcNow;
        Assert.True(wait < Bound, $"expiry is {wait} away");
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        var received = await queue.Client.ReceiveMessagesAsync(32);

        Assert.Equal(["stays"], received.Select(m => m.Text));
    }
}
