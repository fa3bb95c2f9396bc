using System.Net;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.IntegrationTests.Swarms;

namespace Coordination.IntegrationTests.Messaging;

/// <summary>Mailbox calls shared by the messaging tests; each asserts its own success.</summary>
internal static class MessagingCalls
{
    /// <summary>Sends a message and returns its view.</summary>
    public static async Task<JsonObject> SendMessageAsync(this RunningApp app, TestSwarm swarm, string token, object body)
    {
        using var response = await app.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/messages", token, body);
        return await SwarmApi.EnsureAsync(response, HttpStatusCode.Created);
    }

    /// <summary>One inbox page.</summary>
    public static Task<JsonObject> InboxAsync(this RunningApp app, TestSwarm swarm, string token, string query = "") =>
        app.GetJsonAsync($"api/swarms/{swarm.SwarmId}/inbox{(query.Length > 0 ? "?" + query : string.Empty)}", token);

    /// <summary>Every inbox message, paging with the cursor; asserts the pages end.</summary>
    public static async Task<List<JsonObject>> ReadWholeInboxAsync(this RunningApp app, TestSwarm swarm, string token, int limit, string query = "")
    {
        var all = new List<JsonObject>();
        string? cursor = null;
        for (var page = 0; page < 100; page++)
        {
            var q = $"limit={limit}" + (query.Length > 0 ? "&" + query : string.Empty) + (cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor));
            var body = await app.InboxAsync(swarm, token, q);
            var messages = body["items"]!.AsArray().Select(m => m!.AsObject()).ToList();
            Assert.True(messages.Count <= limit);
            all.AddRange(messages);
            Assert.True(body.ContainsKey("nextCursor"));   // present, null on the last page
            cursor = (string?)body["nextCursor"];
            Assert.Equal(cursor is not null, (bool)body["hasMore"]!);
            if (cursor is null)
            {
                return all;
            }
        }
        throw new InvalidOperationException("The inbox did not end within 100 pages.");
    }

    /// <summary>GET one message.</summary>
    public static Task<JsonObject> GetMessageAsync(this RunningApp app, TestSwarm swarm, string token, string messageId) =>
        app.GetJsonAsync($"api/swarms/{swarm.SwarmId}/messages/{messageId}", token);

    /// <summary>Ids of messages, in order.</summary>
    public static List<string> Ids(this IEnumerable<JsonObject> messages) => messages.Select(m => (string)m["messageId"]!).ToList();
}
