using System.Net.Sockets;
using Coordination.Functions.Hosting;
using Coordination.Functions.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Coordination.IntegrationTests.Infrastructure;

/// <summary>
/// The real app on Kestrel on a free loopback port, against the test run's Azurite, with its own table.
/// Either standalone, or as the Functions host would start it (FUNCTIONS_CUSTOMHANDLER_PORT set).
/// </summary>
public sealed class RunningApp : IAsyncDisposable
{
    /// <summary>The tenant API key every test app accepts (tenant id "test").</summary>
    public const string TenantKey = "ck_test_tenant_key_0123456789";

    /// <summary>The token signing key of every test app.</summary>
    public const string SigningKey = "test:integration-test-signing-secret-0123456789";

    private readonly WebApplication _app;
    private readonly IDictionary<string, string>? _settings;
    private readonly Action<IServiceCollection>? _configureServices;
    private bool _keepStorage;

    private RunningApp(WebApplication app, Uri baseAddress, string tableName, IDictionary<string, string>? settings, Action<IServiceCollection>? configureServices)
    {
        _app = app;
        _settings = settings;
        _configureServices = configureServices;
        BaseAddress = baseAddress;
        TableName = tableName;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>Root address, e.g. http://127.0.0.1:12345/.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The app's table.</summary>
    public string TableName { get; }

    /// <summary>A client pointed at the app, without credentials.</summary>
    public HttpClient Client { get; }

    /// <summary>A client that sends <paramref name="bearer"/> (a tenant key or agent token) on every request (60 s timeout unless given).</summary>
    public HttpClient ClientFor(string bearer, TimeSpan? timeout = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        return client;
    }

    /// <summary>The app's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Starts the app; <paramref name="asFunctionsHost"/> sets FUNCTIONS_CUSTOMHANDLER_PORT as the host does.
    /// <paramref name="tableName"/> reuses an existing table (and its wake queue); <paramref name="configureServices"/>
    /// replaces services (e.g. the clock).
    /// </summary>
    public static async Task<RunningApp> StartAsync(bool asFunctionsHost = false, IDictionary<string, string>? settings = null,
        string? tableName = null, Action<IServiceCollection>? configureServices = null)
    {
        tableName ??= TestEnvironment.UniqueTableName("app");
        var args = new List<string>
        {
            $"--AzureWebJobsStorage={TestEnvironment.StorageConnectionString}",
            $"--Coordination:TableName={tableName}",
            $"--Coordination:WakeQueueName=wake-{tableName.ToLowerInvariant()}",
            $"--Coordination:Tenants:test:Keys={TenantKey}",
            $"--Coordination:TokenSigningKeys={SigningKey}",
            "--Logging:LogLevel:Default=Warning",
        };
        int port;
        if (asFunctionsHost)
        {
            port = FreePort();
            args.Add($"--{FunctionsHostEnvironment.PortVariable}={port}");
        }
        else
        {
            args.Add("--urls=http://127.0.0.1:0");
            port = 0;
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            args.Add($"--{key}={value}");
        }

        var app = CoordinationApp.Build(args.ToArray(), configureServices);
        await app.StartAsync();
        if (port == 0)
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            port = new Uri(address).Port;
        }
        var running = new RunningApp(app, new Uri($"http://127.0.0.1:{port}/"), tableName, settings, configureServices);
        await running.WaitUntilHealthyAsync();
        return running;
    }

    /// <summary>Waits (bounded) until start-up provisioning has created the table and queue.</summary>
    public async Task WaitUntilHealthyAsync()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            using var response = await Client.GetAsync("api/health");
            if (response.IsSuccessStatusCode)
            {
                return;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("The app did not report healthy within 10 s.");
    }

    /// <summary>
    /// A restart: stops this app (nothing in memory survives) and starts a new one on the same table and queue with
    /// the same settings; the new app owns the storage from then on.
    /// </summary>
    public async Task<RunningApp> RestartAsync()
    {
        _keepStorage = true;
        await DisposeAsync();
        return await StartAsync(settings: _settings, tableName: TableName, configureServices: _configureServices);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        var storage = _app.Services.GetRequiredService<Coordination.Core.Storage.CoordinationStorage>();
        await _app.StopAsync();
        if (!_keepStorage)
        {
            // Keep the shared Azurite small: each app's table and queue go with it.
            await storage.Table.DeleteIfExistsAsync();
            await storage.WakeQueue.DeleteIfExistsAsync();
        }
        await _app.DisposeAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
