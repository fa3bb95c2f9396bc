using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Core.Pipeline;
using Coordination.Storage;
using Coordination.Storage.WebPubSub;
using Coordination.UnitTests.Support;

namespace Coordination.UnitTests.Storage;

public sealed class WebPubSubClientTests
{
    private const string Key = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg=";
    private static readonly DateTimeOffset Now = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Theory]
    [InlineData("Endpoint=https://x.webpubsub.azure.com;AccessKey=k;Version=1.0;", "https://x.webpubsub.azure.com/")]
    [InlineData("endpoint=https://x.webpubsub.azure.com/;accesskey=k;version=1.0", "https://x.webpubsub.azure.com/")]
    [InlineData("Endpoint=x.webpubsub.azure.com;AccessKey=k", "https://x.webpubsub.azure.com/")]
    [InlineData("Endpoint=http://127.0.0.1;Port=8080;AccessKey=k;Version=1.0;", "http://127.0.0.1:8080/")]
    [InlineData("Endpoint=http://127.0.0.1:9000;AccessKey=k", "http://127.0.0.1:9000/")]
    public void Connection_strings_parse_like_the_official_clients(string connectionString, string endpoint)
    {
        var connection = WebPubSubConnection.Parse(connectionString);

        Assert.Equal(endpoint, connection.Endpoint.AbsoluteUri);
        Assert.Equal("k", connection.AccessKey);
    }

    [Theory]
    [InlineData("AccessKey=k")]
    [InlineData("Endpoint=https://x.webpubsub.azure.com")]
    [InlineData("Endpoint=https://x.webpubsub.azure.com;AccessKey=k;Port=none")]
    [InlineData("Endpoint=https://x.webpubsub.azure.com/api;AccessKey=k")]
    [InlineData("Endpoint=https://x.webpubsub.azure.com;garbage;AccessKey=k")]
    public void Malformed_connection_strings_are_refused(string connectionString) =>
        Assert.Throws<FormatException>(() => WebPubSubConnection.Parse(connectionString));

    [Fact]
    public void Send_to_group_posts_to_the_group_send_route_with_the_api_version_and_content_type()
    {
        var client = NewClient(out _);
        using var message = client.CreateSendToGroupRequest("swarm-swarm_1", BinaryData.FromString("[1]"), "application/json");

        Assert.Equal(RequestMethod.Post, message.Request.Method);
        Assert.Equal("https://x.webpubsub.azure.com/api/hubs/coordination/groups/swarm-swarm_1/:send?api-version=2024-12-01", message.Request.Uri.ToString());
        Assert.Equal("application/json", message.Request.Header("Content-Type"));
        Assert.Equal("[1]", message.Request.BodyText());
    }

    [Fact]
    public void Send_to_user_escapes_the_user_id_in_the_path()
    {
        var client = NewClient(out _);
        using var message = client.CreateSendToUserRequest("swarm_1.a/b c", BinaryData.FromString("{}"), "application/json");

        Assert.Equal("https://x.webpubsub.azure.com/api/hubs/coordination/users/swarm_1.a%2Fb%20c/:send?api-version=2024-12-01", message.Request.Uri.ToString());
    }

    [Fact]
    public void Generate_token_names_user_roles_groups_and_minutes()
    {
        var client = NewClient(out _);
        using var message = client.CreateGenerateTokenRequest("s.a", ["webpubsub.joinLeaveGroup.swarm-s"], ["swarm-s"], TimeSpan.FromMinutes(60));

        Assert.Equal(
            "https://x.webpubsub.azure.com/api/hubs/coordination/:generateToken?userId=s.a&role=webpubsub.joinLeaveGroup.swarm-s&group=swarm-s&minutesToExpire=60&api-version=2024-12-01",
            message.Request.Uri.ToString());
    }

    [Fact]
    public async Task Every_request_carries_an_access_key_token_whose_audience_is_the_exact_request_url()
    {
        var client = NewClient(out var transport);
        await client.SendToGroupAsync("g", BinaryData.FromString("{}"));

        var (uri, authorization) = Assert.Single(transport.Seen);
        Assert.StartsWith("Bearer ", authorization);
        var token = authorization["Bearer ".Length..];
        Assert.True(WebPubSubJwt.HasValidSignature(token, Key));
        var claims = WebPubSubJwt.ReadClaims(token);
        Assert.Equal(uri, (string)claims["aud"]!);
        Assert.Equal("https://x.webpubsub.azure.com/api/hubs/coordination/groups/g/:send?api-version=2024-12-01", uri);
        Assert.Equal(Now.ToUnixTimeSeconds() + 300, (long)claims["exp"]!);
        Assert.Equal(Now.ToUnixTimeSeconds(), (long)claims["iat"]!);
        Assert.Equal(Now.ToUnixTimeSeconds(), (long)claims["nbf"]!);
    }

    [Fact]
    public async Task A_client_token_names_the_user_its_roles_and_groups_for_the_hub_audience()
    {
        var client = NewClient(out var transport);
        var access = await client.GetClientAccessAsync("swarm_1.agent", ["webpubsub.joinLeaveGroup.swarm-swarm_1"], ["swarm-swarm_1"], TimeSpan.FromMinutes(60));

        Assert.Empty(transport.Seen);   // signed locally with the key
        var claims = WebPubSubJwt.ReadClaims(access.Token);
        Assert.Equal("https://x.webpubsub.azure.com/client/hubs/coordination", (string)claims["aud"]!);
        Assert.Equal("swarm_1.agent", (string)claims["sub"]!);
        Assert.Equal(["webpubsub.joinLeaveGroup.swarm-swarm_1"], claims["role"]!.AsArray().Select(r => (string)r!));
        Assert.Equal(["swarm-swarm_1"], claims["webpubsub.group"]!.AsArray().Select(r => (string)r!));
        Assert.Equal(Now.ToUnixTimeSeconds() + 3600, (long)claims["exp"]!);
        Assert.Equal(Now.AddHours(1), access.ExpiresAt);
        Assert.Equal("wss://x.webpubsub.azure.com/client/hubs/coordination", access.BaseUrl.AbsoluteUri);
        Assert.Equal(access.BaseUrl.AbsoluteUri + "?access_token=" + access.Token, access.Url.AbsoluteUri);
        Assert.True(WebPubSubJwt.HasValidSignature(access.Token, Key));
        Assert.False(WebPubSubJwt.HasValidSignature(access.Token, Key + "x"));
    }

    [Fact]
    public void Jwt_header_is_hs256_and_parts_are_unpadded_base64url()
    {
        var token = WebPubSubJwt.Sign(new JsonObject { ["aud"] = "a?b=c~" }, Key);
        var parts = token.Split('.');

        Assert.Equal(3, parts.Length);
        Assert.All(parts, p => Assert.DoesNotContain('=', p));
        Assert.Equal("""{"alg":"HS256","typ":"JWT"}""", System.Text.Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(parts[0])));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1hub")]
    [InlineData("hub-name")]
    public void Bad_hub_names_are_refused(string hub) =>
        Assert.Throws<ArgumentException>(() => new WebPubSubServiceClient(WebPubSubConnection.Parse("Endpoint=https://x;AccessKey=k"), hub));

    private static WebPubSubServiceClient NewClient(out RecordingTransport transport)
    {
        transport = new RecordingTransport();
        var options = new WebPubSubClientOptions { Transport = transport };
        return new WebPubSubServiceClient(WebPubSubConnection.Parse($"Endpoint=https://x.webpubsub.azure.com;AccessKey={Key};Version=1.0;"), "coordination", options, new FixedClock(Now));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class RecordingTransport : HttpPipelineTransport
    {
        public List<(string Uri, string Authorization)> Seen { get; } = [];

        public override Request CreateRequest() => HttpClientTransport.Shared.CreateRequest();

        public override void Process(HttpMessage message)
        {
            Seen.Add((message.Request.Uri.ToString(), message.Request.Header("Authorization")));
            message.Response = new CannedResponse(202);
        }

        public override ValueTask ProcessAsync(HttpMessage message)
        {
            Process(message);
            return ValueTask.CompletedTask;
        }
    }
}
