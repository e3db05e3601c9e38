namespace FinGuard.Testing; internal static class Placeholder { }
