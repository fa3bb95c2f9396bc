namespace Coordination.Functions.Platform.Triggers;

/// <summary>The kind of non-HTTP trigger.</summary>
public enum TriggerKind
{
    /// <summary>A timer on an NCRONTAB schedule.</summary>
    Timer,

    /// <summary>A Storage Queue message.</summary>
    Queue,
}

/// <summary>One timer or queue function: its name (= folder and invocation route), binding and handler.</summary>
/// <param name="Name">Function name.</param>
/// <param name="Kind">Timer or queue.</param>
/// <param name="Schedule">Six-field NCRONTAB schedule for timers.</param>
/// <param name="QueueName">Queue for queue triggers (the resolved name the standalone poller reads).</param>
/// <param name="HandlerType">The <see cref="ITriggerHandler"/> implementation.</param>
/// <param name="QueueNameSetting">App setting holding the queue name; function.json then says <c>%Setting%</c> so the host resolves it.</param>
public sealed record TriggerDefinition(string Name, TriggerKind Kind, string? Schedule, string? QueueName, Type HandlerType, string? QueueNameSetting = null)
{
    /// <summary>The binding name the handler's input arrives under in <c>Data</c>.</summary>
    public string BindingName => Kind == TriggerKind.Timer ? "timer" : "message";
}

/// <summary>The app's trigger table: the single source for function.json, invocation routes and the standalone scheduler.</summary>
public sealed class TriggerRegistry
{
    private readonly List<TriggerDefinition> _triggers = [];

    /// <summary>Every registered trigger.</summary>
    public IReadOnlyList<TriggerDefinition> Triggers => _triggers;

    internal void Add(TriggerDefinition definition)
    {
        if (_triggers.Any(t => string.Equals(t.Name, definition.Name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new InvalidOperationException($"Trigger '{definition.Name}' is registered twice.");
        }
        if (definition.Schedule is not null)
        {
            CronSchedule.Parse(definition.Schedule);
        }
        _triggers.Add(definition);
    }
}

/// <summary>Registers triggers: <c>services.AddTriggers(host).AddTimer&lt;T&gt;(name, schedule)</c>.</summary>
public sealed class TriggerBuilder(IServiceCollection services, TriggerRegistry registry)
{
    /// <summary>Adds a timer trigger.</summary>
    public TriggerBuilder AddTimer<THandler>(string name, string schedule) where THandler : class, ITriggerHandler
    {
        registry.Add(new TriggerDefinition(name, TriggerKind.Timer, schedule, null, typeof(THandler)));
        services.AddSingleton<THandler>();
        return this;
    }

    /// <summary>Adds a queue trigger on the queue named by <paramref name="queueName"/> (from app setting <paramref name="queueNameSetting"/>).</summary>
    public TriggerBuilder AddQueue<THandler>(string name, string queueName, string? queueNameSetting = null) where THandler : class, ITriggerHandler
    {
        registry.Add(new TriggerDefinition(name, TriggerKind.Queue, null, queueName, typeof(THandler), queueNameSetting));
        services.AddSingleton<THandler>();
        return this;
    }
}

/// <summary>Service registration for triggers.</summary>
public static class TriggerServiceCollectionExtensions
{
    /// <summary>Adds the registry and, when no Functions host drives us, the standalone scheduler.</summary>
    public static TriggerBuilder AddTriggers(this IServiceCollection services, FunctionsHostEnvironment host)
    {
        var registry = new TriggerRegistry();
        services.AddSingleton(registry);
        services.AddSingleton<TriggerRunner>();
        if (!host.IsFunctionsHost)
        {
            services.AddHostedService<StandaloneTriggerScheduler>();
        }
        return new TriggerBuilder(services, registry);
    }
}
