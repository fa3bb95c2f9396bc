using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.Storage;
using Coordination.Storage.WebPubSub;

namespace Coordination.IntegrationTests.Interop;

/// <summary>
/// Our Web PubSub client and the official <c>@azure/web-pubsub</c> package (tests/node/webpubsub-interop.mjs), for the
/// same access key, hub and user: client tokens carry the same claims, and a loopback recording server sees the same
/// send-to-group request from both, each signed with a token whose audience is the exact request URL.
/// </summary>
public sealed class WebPubSubInteropTests
{
    private const string Script = "webpubsub-interop.mjs";
    private const string Key = "interop-access-key-0123456789ABCDEFGHIJ=";
    private const string Hub = "coordination";

    /// <summary>Time claims differ by when each side ran; everything else must be equal.</summary>
    private static readonly string[] TimeClaims = ["iat", "nbf", "exp"];

    [Fact]
    public async Task Client_access_tokens_carry_the_same_claims_as_the_official_package()
    {
        const string connectionString = $"Endpoint=https://interop.webpubsub.azure.com;AccessKey={Key};Version=1.0;";
        const string user = "swarm_abc.agent-1";
        string[] roles = ["webpubsub.joinLeaveGroup.swarm-swarm_abc"];
        string[] groups = ["swarm-swarm_abc"];
        var official = await RunAsync("token", connectionString, Hub, user, new JsonArray(roles.Select(r => (JsonNode)r!).ToArray()).ToJsonString(),
            new JsonArray(groups.Select(g => (JsonNode)g!).ToArray()).ToJsonString());

        var ours = await new WebPubSubServiceClient(WebPubSubConnection.Parse(connectionString), Hub)
            .GetClientAccessAsync(user, roles, groups, TimeSpan.FromMinutes(60));

        var theirs = WebPubSubJwt.ReadClaims((string)official["token"]!);
        var mine = WebPubSubJwt.ReadClaims(ours.Token);
        Assert.Equal(Untimed(theirs), Untimed(mine));
        Assert.Equal("https://interop.webpubsub.azure.com/client/hubs/coordination", (string)mine["aud"]!);
        Assert.InRange((long)mine["exp"]! - (long)theirs["exp"]!, -60, 60);
        Assert.InRange((long)mine["iat"]! - (long)theirs["iat"]!, -60, 60);
        Assert.True(WebPubSubJwt.HasValidSignature((string)official["token"]!, Key));
        Assert.True(WebPubSubJwt.HasValidSignature(ours.Token, Key));
        Assert.Equal((string)official["baseUrl"]!, ours.BaseUrl.AbsoluteUri);
        Assert.StartsWith((string)official["baseUrl"]! + "?access_token=", ours.Url.AbsoluteUri);
    }

    [Fact]
    public async Task Send_to_group_reaches_the_server_as_the_same_request_signed_for_its_exact_url()
    {
        await using var server = await RecordingServer.StartAsync();
        var connectionString = server.ConnectionString(Key);
        var message = new JsonArray(new JsonObject { ["id"] = "evt_1", ["sequence"] = 1 }).ToJsonString();

        await RunAsync("send-to-group", connectionString, Hub, "swarm-swarm_abc", message);
        await new WebPubSubServiceClient(WebPubSubConnection.Parse(connectionString), Hub, new WebPubSubClientOptions())
            .SendToGroupAsync("swarm-swarm_abc", BinaryData.FromString(message));

        var requests = server.Requests.ToList();
        Assert.Equal(2, requests.Count);
        var (official, ours) = (requests[0], requests[1]);
        Assert.Equal("POST", ours.Method);
        Assert.Equal("/api/hubs/coordination/groups/swarm-swarm_abc/:send", ours.Path);
        Assert.Equal((official.Method, official.Path, official.Query, official.ContentType), (ours.Method, ours.Path, ours.Query, ours.ContentType));
        Assert.Equal(JsonNode.Parse(official.Body)!.ToJsonString(), JsonNode.Parse(ours.Body)!.ToJsonString());
        foreach (var request in requests)
        {
            var token = request.Authorization!["Bearer ".Length..];
            Assert.True(WebPubSubJwt.HasValidSignature(token, Key));
            Assert.Equal(request.Url, (string)WebPubSubJwt.ReadClaims(token)["aud"]!);
        }
        Assert.Equal($"http://127.0.0.1:{server.Endpoint.Port}/api/hubs/coordination/groups/swarm-swarm_abc/:send?api-version=2024-12-01", ours.Url);
    }

    private static Dictionary<string, string> Untimed(JsonObject claims) =>
        claims.Where(c => !TimeClaims.Contains(c.Key)).ToDictionary(c => c.Key, c => c.Value!.ToJsonString());

    private static async Task<JsonObject> RunAsync(params string[] args)
    {
        var result = await NodeScript.RunAsync(Script, args);
        Assert.True(result.ExitCode == 0, $"node {Script} {args[0]} failed: {result.StandardError}");
        return JsonNode.Parse(result.StandardOutput)!.AsObject();
    }
}
