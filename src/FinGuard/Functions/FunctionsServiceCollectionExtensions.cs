namespace FinGuard.Functions;

public static class FunctionsServiceCollectionExtensions
{
    /// <summary>
    /// Placeholder jobs (<see cref="NotYetImplementedScheduledJob"/>) for the timers whose work is still to come;
    /// a real job registered later for the same name takes precedence.
    /// </summary>
    public static IServiceCollection AddFinGuardFunctions(this IServiceCollection services)
    {
        foreach (var name in new[] { FunctionNames.FreezeWindowEdges })
        {
            services.AddSingleton<IScheduledJob>(sp => new NotYetImplementedScheduledJob(name, sp.GetRequiredService<ILogger<NotYetImplementedScheduledJob>>()));
        }

        services.AddHostedService<LocalTimerScheduler>();
        return services;
    }
}
