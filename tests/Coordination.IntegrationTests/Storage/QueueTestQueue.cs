using Coordination.IntegrationTests.Infrastructure;
using Coordination.Storage;
using Coordination.Storage.Queues;

namespace Coordination.IntegrationTests.Storage;

/// <summary>A fresh queue for one test, deleted afterwards so Azurite's queue store stays small.</summary>
public sealed class QueueTestQueue : IAsyncDisposable
{
    private QueueTestQueue(QueueClient client) => Client = client;

    public QueueClient Client { get; }

    public string Name => Client.Name;

    public static async Task<QueueTestQueue> CreateAsync()
    {
        var client = new QueueClient(TestEnvironment.Storage, "q" + Guid.NewGuid().ToString("N")[..20]);
        var created = await client.CreateIfNotExistsAsync();
        Assert.True(created.Succeeded);
        return new QueueTestQueue(client);
    }

    /// <summary>Another client on the same queue with different options (e.g. no base64).</summary>
    public QueueClient WithOptions(StorageClientOptions options) => new(TestEnvironment.Storage, Name, options);

    /// <summary>Receives until at least one message arrives or <paramref name="limit"/> passes; polling, never one long sleep.</summary>
    public async Task<IReadOnlyList<QueueMessage>> ReceiveWithinAsync(TimeSpan limit, int maxMessages = 1, TimeSpan? visibilityTimeout = null)
    {
        var deadline = DateTimeOffset.UtcNow + limit;
        while (true)
        {
            var messages = await Client.ReceiveMessagesAsync(maxMessages, visibilityTimeout);
            if (messages.Count > 0 || DateTimeOffset.UtcNow >= deadline)
            {
                return messages;
            }
            await Task.Delay(200);
        }
    }

    public async ValueTask DisposeAsync() => await Client.DeleteAsync();
}
