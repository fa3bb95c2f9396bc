using System.Net;
using Coordination.Core.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Coordination.IntegrationTests.Webhooks;

/// <summary>
/// The delivery connection's SSRF guard against a real loopback receiver: the address is vetted where the socket
/// connects, so a name that resolves to 127.0.0.1 is refused like the literal, unless private targets are allowed.
/// </summary>
public sealed class GuardedConnectorTests : IAsyncLifetime
{
    private WebApplication _receiver = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _receiver = builder.Build();
        _receiver.MapPost("/hook", () => Results.Ok());
        _receiver.MapPost("/moved", () => Results.Redirect("http://127.0.0.1:1/elsewhere"));
        await _receiver.StartAsync();
        _port = new Uri(_receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
    }

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Theory]
    [InlineData("localhost")]        // a DNS name that resolves to loopback: vetted after resolution, at the connect
    [InlineData("127.0.0.1")]
    [InlineData("[::ffff:127.0.0.1]")]
    public async Task With_the_guard_on_a_loopback_target_is_refused_before_any_byte_is_sent(string host)
    {
        using var client = new HttpClient(GuardedConnector.CreateHandler(allowPrivateTargets: false, TimeSpan.FromSeconds(5)));

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsync($"http://{host}:{_port}/hook", null));

        var refused = Assert.IsType<RefusedTargetException>(failure.InnerException);
        Assert.NotEmpty(refused.Refused);
        Assert.All(refused.Refused, r => Assert.Equal(TargetAddressKind.Loopback, r.Kind));
        Assert.Contains("Loopback", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_private_targets_allowed_the_same_name_is_delivered_to()
    {
        using var client = new HttpClient(GuardedConnector.CreateHandler(allowPrivateTargets: true, TimeSpan.FromSeconds(5)));

        using var response = await client.PostAsync($"http://localhost:{_port}/hook", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_redirect_is_the_endpoints_answer_and_is_not_followed()
    {
        using var client = new HttpClient(GuardedConnector.CreateHandler(allowPrivateTargets: true, TimeSpan.FromSeconds(5)));

        using var response = await client.PostAsync($"http://127.0.0.1:{_port}/moved", null);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("http://127.0.0.1:1/elsewhere", response.Headers.Location?.ToString());
    }
}
