using System.Net;
using Azure.Core;
using Coordination.Core.Configuration;
using Coordination.Core.Events;
using Coordination.Core.Common;
using Coordination.Core.Identity;
using Coordination.Core.Locks;
using Coordination.Core.State;
using Coordination.Core.Tasks;
using Coordination.Core.Messaging;
using Coordination.Core.Presence;
using Coordination.Core.Storage;
using Coordination.Core.Swarms;
using Coordination.Functions.Features.Events;
using Coordination.Functions.Features.Locks;
using Coordination.Functions.Features.Mcp;
using Coordination.Functions.Features.State;
using Coordination.Functions.Features.Tasks;
using Coordination.Functions.Features.Messaging;
using Coordination.Functions.Features.Presence;
using Coordination.Functions.Features.Swarms;
using Coordination.Functions.Features.System;
using Coordination.Functions.Platform;
using Coordination.Functions.Platform.Triggers;
using Coordination.Functions.Http;
using Coordination.Storage;
using Coordination.Storage.WebPubSub;

namespace Coordination.Functions.Hosting;

/// <summary>Composes the app: configuration, services, HTTP pipeline, endpoints and triggers.</summary>
public static class CoordinationApp
{
    /// <summary>Builds the app without starting it. Nothing here calls storage, so start-up stays fast.</summary>
    public static WebApplication Build(string[] args, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        AddLocalSettings(builder.Configuration, args);

        var settings = SettingsReader.Read(builder.Configuration);
        var hostEnvironment = FunctionsHostEnvironment.From(builder.Configuration);
        ConfigureKestrel(builder, settings, hostEnvironment);

        // One line per request (ASP.NET Core) or per storage attempt (the Azure SDK's event source, forwarded by
        // AddAzureClients) is noise at our request rates; warnings and our own logs stay.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // Pinned at its exact category (a setting for the same category is added earlier, so this one wins): its
        // "Request starting" line carries the query string, where stream tokens travel (?access_token=).
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Logging.AddFilter("Azure", LogLevel.Warning);

        AddServices(builder, settings, hostEnvironment);
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        if (settings.ReportStorageCalls)
        {
            app.UseStorageCallReporting();
        }
        app.UseProblemHandling();
        app.UseAccessControl();
        MapEndpoints(app);
        AccessControl.EnsureDeclared(FunctionManifest.ApiOperations(((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints)));
        return app;
    }

    private static void AddServices(WebApplicationBuilder builder, CoordinationSettings settings, FunctionsHostEnvironment hostEnvironment)
    {
        var services = builder.Services;
        services.AddSingleton(settings);
        services.AddSingleton(hostEnvironment);
        services.AddSingleton(TimeProvider.System);
        services.AddCoordinationStorage(builder.Configuration, settings);
        services.AddSingleton(sp => sp.GetRequiredService<CoordinationStorage>().Table);
        services.AddProblemHandling();
        services.AddEndpointsApiExplorer();
        services.AddSingleton<OpenApiDocumentBuilder>();
        AddFeatures(services, builder.Configuration, settings);
        services.AddMcpEndpoint();
        services.AddTriggers(hostEnvironment)
            .AddTimer<ProvisionStorageTrigger>(ProvisionStorageTrigger.Name, ProvisionStorageTrigger.Schedule)
            .AddTimer<SweepPresenceTrigger>(SweepPresenceTrigger.Name, SweepPresenceTrigger.Schedule)
            .AddTimer<SequenceOutboxTrigger>(SequenceOutboxTrigger.Name, SequenceOutboxTrigger.Schedule)
            .AddTimer<SweepLocksTrigger>(SweepLocksTrigger.Name, SweepLocksTrigger.Schedule)
            .AddTimer<SweepTaskLeasesTrigger>(SweepTaskLeasesTrigger.Name, SweepTaskLeasesTrigger.Schedule)
            .AddTimer<ApplyRetentionTrigger>(ApplyRetentionTrigger.Name, ApplyRetentionTrigger.Schedule)
            .AddQueue<DispatchSwarmTrigger>(DispatchSwarmTrigger.Name, settings.WakeQueueName, CoordinationSettings.WakeQueueSetting.Key);
        services.AddHostedService<StartupProvisioner>();
    }

    private static void MapEndpoints(WebApplication app)
    {
        app.MapSystemEndpoints();
        app.MapSwarmEndpoints();
        app.MapPresenceEndpoints();
        app.MapEventEndpoints();
        app.MapLockEndpoints();
        app.MapStateEndpoints();
        app.MapTaskEndpoints();
        app.MapSubscriptionEndpoints();
        app.MapRealtimeEndpoints();
        app.MapMessageEndpoints();
        app.MapMcpEndpoints();
        app.MapTriggerInvocations();
    }

    /// <summary>
    /// Fails start-up when secrets the features need are missing or malformed (tenant keys, token signing
    /// keys). Not called for manifest generation, which runs at build time without secrets.
    /// </summary>
    public static void ValidateRuntimeSettings(WebApplication app)
    {
        RejectUnresolvedReferences(app.Configuration);
        _ = app.Services.GetRequiredService<AgentTokens>();
        if (app.Services.GetRequiredService<TenantDirectory>().Tenants.Count == 0)
        {
            app.Logger.LogWarning("No tenant is configured (Coordination__Tenants__<id>__Keys): nobody can create swarms.");
        }
    }

    /// <summary>
    /// App Service leaves a Key Vault / App Configuration reference it cannot resolve (no access yet, secret missing)
    /// as the literal '@Microsoft.KeyVault(...)' text. Such a value must never be taken as a secret: a signing key
    /// 'keyId:secret' parses from '@Microsoft.KeyVault(SecretUri=https://...' as a valid key whose "secret" is the
    /// vault URI, so tokens would be signed with a value anyone who can read the settings knows.
    /// </summary>
    private static void RejectUnresolvedReferences(IConfiguration configuration)
    {
        var unresolved = configuration.AsEnumerable()
            .Where(p => p.Value is { } v && (v.StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase)
                                             || v.StartsWith("@Microsoft.AppConfiguration(", StringComparison.OrdinalIgnoreCase)))
            .Select(p => p.Key.Replace(":", "__", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (unresolved.Count > 0)
        {
            throw new InvalidOperationException(
                $"Unresolved Key Vault or App Configuration reference in {string.Join(", ", unresolved)}: the platform could not read the " +
                "secret (check the identity's role on the vault, the secret's name and keyVaultReferenceIdentity).");
        }
    }

    private static void AddFeatures(IServiceCollection services, IConfiguration configuration, CoordinationSettings settings)
    {
        // Secrets are read when first needed, so the build-time manifest step runs without them.
        services.AddSingleton(_ => TenantDirectory.FromConfiguration(configuration));
        services.AddSingleton(sp => new AgentTokens(AgentTokens.ReadKeys(configuration), settings.AgentTokenLifetime, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<EventNotifier>();
        // Web PubSub calls are not storage calls: their own options, so the storage call counter stays exact.
        services.AddSingleton(sp => new RealtimeFanOut(sp.GetRequiredService<CoordinationStorage>().Table,
            settings.CreateWebPubSubConnection(sp.GetRequiredService<TokenCredential>) is { } pubsub
                ? new WebPubSubServiceClient(pubsub, settings.WebPubSubHub, new WebPubSubClientOptions(), sp.GetRequiredService<TimeProvider>())
                : null,
            sp.GetRequiredService<ILogger<RealtimeFanOut>>()));
        services.AddSingleton<EventSequencer>();
        services.AddSingleton(sp => new EventPump(sp.GetRequiredService<EventSequencer>(), sp.GetRequiredService<CoordinationStorage>().WakeQueue,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<EventPump>>()));
        services.AddSingleton<EventLog>();
        services.AddSingleton<SwarmDirectory>();
        services.AddSingleton<JoinGuard>();
        services.AddSingleton<SwarmService>();
        services.AddSingleton<MemberAdmission>();
        services.AddSingleton<MembershipService>();
        services.AddSingleton<TenantSwarms>();
        services.AddSingleton<PresenceService>();
        services.AddSingleton<PresenceActivity>();
        services.AddSingleton<KeyedSignal>();
        services.AddSingleton<StripedGate>();
        services.AddSingleton<KeyedWaitQueue>();
        services.AddSingleton<LockQuota>();
        services.AddSingleton<LockStore>();
        services.AddSingleton<LockCommands>();
        services.AddSingleton<LockQueries>();
        services.AddSingleton<LockCleanup>();
        services.AddSingleton<IMemberDepartureHandler, LockDepartureHandler>();
        services.AddSingleton<StateService>();
        services.AddSingleton<ClaimCandidates>();
        services.AddSingleton<TaskStore>();
        services.AddSingleton<TaskService>();
        services.AddSingleton<TaskLeases>();
        services.AddSingleton<TaskQueries>();
        services.AddSingleton<TaskAdmin>();
        services.AddSingleton<IMemberDepartureHandler>(sp => sp.GetRequiredService<TaskAdmin>());
        services.AddSingleton<MessageSender>();
        services.AddSingleton<Mailbox>();
        services.AddSingleton<MessageRetention>();
        services.AddSingleton<CatchUpService>();
        services.AddSingleton<SubscriptionService>();
    }

    private static void ConfigureKestrel(WebApplicationBuilder builder, CoordinationSettings settings, FunctionsHostEnvironment host)
    {
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = settings.MaxRequestBodyBytes;
            // Above ProblemHandling.MaxUrlLength, so an over-long URL gets a problem body rather than Kestrel's bare 414.
            kestrel.Limits.MaxRequestLineSize = 64 * 1024;
            kestrel.AddServerHeader = false;
        });
        if (host.CustomHandlerPort is { } port)
        {
            // The host calls 127.0.0.1:<port>; never expose this port beyond loopback.
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        }
        else if (builder.Configuration["urls"] is null && builder.Configuration["ASPNETCORE_URLS"] is null)
        {
            builder.WebHost.UseUrls(settings.StandaloneUrl);
        }
    }

    /// <summary>
    /// local.settings.json keeps app settings under "Values" (the Functions convention); surface them as
    /// top-level keys so the standalone app reads the same file the Functions tooling does.
    /// Environment variables and then command-line arguments still win over the file.
    /// </summary>
    private static void AddLocalSettings(ConfigurationManager configuration, string[] args)
    {
        var file = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "local.settings.json"), optional: true)
            .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "local.settings.json"), optional: true).Build();
        var values = file.GetSection("Values").GetChildren()
            .Where(c => c.Value is not null)
            .ToDictionary(c => c.Key.Replace("__", ":", StringComparison.Ordinal), c => c.Value);
        configuration.AddInMemoryCollection(values);
        configuration.AddEnvironmentVariables();
        configuration.AddCommandLine(args);
    }
}
