namespace FinGuard.Functions;

public static class FunctionsServiceCollectionExtensions
{
    /// <summary>
    /// The jobs behind the timer functions. Today both are <see cref="NotYetImplementedScheduledJob"/> placeholders;
    /// a real job registered later for the same name takes precedence.
    /// </summary>
    public static IServiceCollection AddFinGuardFunctions(this IServiceCollection services)
    {
        foreach (var name in new[] { FunctionNames.RedeliverySweep, FunctionNames.FreezeWindowEdges })
        {
            services.AddSingleton<IScheduledJob>(sp => new NotYetImplementedScheduledJob(name, sp.GetRequiredService<ILogger<NotYetImplementedScheduledJob>>()));
        }

        return services;
    }
}
