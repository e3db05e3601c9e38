namespace FinGuard.Functions;

public static class FunctionsServiceCollectionExtensions
{
    /// <summary>
    /// The timer and queue handlers both hosts share, and placeholder jobs (<see cref="NotYetImplementedScheduledJob"/>)
    /// for the timers whose work is still to come; a real job registered later for the same name takes precedence.
    /// </summary>
    public static IServiceCollection AddFinGuardFunctions(this IServiceCollection services)
    {
        foreach (var name in new[] { FunctionNames.FreezeWindowEdges })
        {
            services.AddSingleton<IScheduledJob>(sp => new NotYetImplementedScheduledJob(name, sp.GetRequiredService<ILogger<NotYetImplementedScheduledJob>>()));
        }

        services.AddSingleton<ScheduledJobRunner>();
        services.AddSingleton<DeliveryQueueFunction>();
        return services;
    }
}
