using Coordination.Core.Storage;
using Coordination.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Coordination.IntegrationTests.Storage;

/// <summary>
/// A message another writer put on a trigger queue without base64 cannot be decoded by the app's base64 clients. As the
/// Functions host does, it goes to <c>{queue}-poison</c> as it was, instead of failing every receive of the queue.
/// </summary>
public sealed class UndecodableMessageTests
{
    [Fact]
    public async Task A_message_that_is_not_base64_moves_verbatim_to_the_poison_queue_and_the_trigger_poller_handles_the_next_one()
    {
        const string raw = "not base64! <a href=\"x\">&amp; {\"swarmId\":\"s-1\"}";
        await using var app = await RunningApp.StartAsync();
        var wake = app.Services.GetRequiredService<CoordinationStorage>().WakeQueue;
        var onTheWire = TestQueue.Verbatim(wake.Name);
        var poison = TestQueue.Verbatim(wake.Name + "-poison");
        try
        {
            await onTheWire.SendMessageAsync(raw);
            // Valid base64 text that is no wake-up: the dispatch trigger ignores it, and the poller deletes it.
            await wake.SendAsync("{\"note\":\"after the undecodable one\"}");

            var drained = false;
            for (var attempt = 0; attempt < 75 && !drained; attempt++)
            {
                await Task.Delay(200);
                drained = (await onTheWire.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0 && (await poison.ExistsAsync()).Value;
            }

            Assert.True(drained, "The standalone poller did not clear the wake queue within 15 s.");
            var poisoned = (await poison.PeekMessagesAsync(32)).Value;
            Assert.Equal([raw], poisoned.Select(m => m.Body.ToString()));
        }
        finally
        {
            await poison.DeleteIfExistsAsync();
        }
    }
}
