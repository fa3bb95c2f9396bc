using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Coordination.Core.Storage;
using Coordination.Storage;
using Coordination.Storage.Queues;

namespace Coordination.IntegrationTests.Infrastructure;

/// <summary>A fresh queue for one test, deleted afterwards so Azurite's queue store stays small.</summary>
public sealed class TestQueue : IAsyncDisposable
{
    private TestQueue(StorageQueue queue) => Queue = queue;

    /// <summary>The queue as the app reaches it: base64 text, the pinned service version, the shared policies.</summary>
    public StorageQueue Queue { get; }

    /// <summary>The queue's name.</summary>
    public string Name => Queue.Name;

    /// <summary>Creates a queue no other test uses; <paramref name="counter"/> counts the calls of <see cref="Queue"/>.</summary>
    public static async Task<TestQueue> CreateAsync(StorageCallCounter? counter = null)
    {
        var queue = TestEnvironment.Queue("q" + Guid.NewGuid().ToString("N")[..20], counter);
        Assert.True(await queue.CreateIfNotExistsAsync());
        return new TestQueue(queue);
    }

    /// <summary>
    /// A client that puts and reads message text as it is on the wire (no base64), as another writer, or the service
    /// itself, sees it.
    /// </summary>
    public static QueueClient Verbatim(string name) =>
        new(TestEnvironment.StorageConnectionString, name, new QueueClientOptions(StorageRegistration.QueueServiceVersion) { MessageEncoding = QueueMessageEncoding.None });

    /// <summary>Receives until at least one message arrives or <paramref name="limit"/> passes; polling, never one long sleep.</summary>
    public async Task<QueueMessage[]> ReceiveWithinAsync(TimeSpan limit, int maxMessages = 1, TimeSpan? visibilityTimeout = null)
    {
        var deadline = DateTimeOffset.UtcNow + limit;
        while (true)
        {
            var messages = await Queue.ReceiveAsync(maxMessages, visibilityTimeout ?? TimeSpan.FromSeconds(30));
            if (messages.Length > 0 || DateTimeOffset.UtcNow >= deadline)
            {
                return messages;
            }
            await Task.Delay(200);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await Queue.DeleteIfExistsAsync();
}
