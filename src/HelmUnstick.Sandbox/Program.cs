using HelmUnstick.Cli;
using HelmUnstick.Sandbox.Host;

return await ConsoleHost.RunAsync(args, "helm-unstick-sandbox", env => new SandboxCommand(env).Build());
