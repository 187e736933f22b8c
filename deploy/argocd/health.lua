-- Argo CD health check for the kinds of ops.ttes.io (TTESCluster, StackUpgrade, TenantBootstrap,
-- OpsTask), from the kstatus conditions the operator writes
-- (Ready, Reconciling, Stalled) and status.phase. A failed run writes Stalled=True, so Argo CD
-- (Degraded) and kstatus (Failed) agree. Lua 5.1 (gopher-lua) compatible.
local hs = {}

local function condition(ctype)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == ctype then
      return c
    end
  end
  return nil
end

local function describe(c, fallback)
  if c ~= nil and c.message ~= nil and c.message ~= "" then
    return c.message
  end
  if c ~= nil and c.reason ~= nil and c.reason ~= "" then
    return c.reason
  end
  return fallback
end

if obj.status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report status"
  return hs
end

-- A status written for an older spec says nothing about the current one.
local generation = obj.metadata.generation
local observed = obj.status.observedGeneration
if generation ~= nil and (observed == nil or observed < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  return hs
end

local stalled = condition("Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(stalled, "Stalled")
  return hs
end

local ready = condition("Ready")
if obj.status.phase == "Failed" then
  hs.status = "Degraded"
  hs.message = describe(ready, "Failed")
  return hs
end

-- Waiting on a person is not a fault and not progress: Argo CD shows a suspended upgrade, or one
-- awaiting approval, as Suspended (kstatus reads both as InProgress: Reconciling=True). A finished
-- upgrade is what it finished as, whatever spec.suspend says.
local upgrade = obj.kind == "StackUpgrade"
local phase = obj.status.phase
local finished = phase == "Succeeded" or phase == "Planned"
local suspended = upgrade and not finished and obj.spec ~= nil and obj.spec.suspend == true
if suspended or (upgrade and obj.status.phase == "AwaitingApproval") then
  hs.status = "Suspended"
  if suspended then
    hs.message = "Suspended (spec.suspend is true)"
  else
    local plan = obj.status.plan
    local hash = ""
    if plan ~= nil and plan.hash ~= nil then
      hash = ": set spec.approvedPlan to " .. plan.hash
    end
    hs.message = "Awaiting approval of the plan" .. hash
  end
  return hs
end

local reconciling = condition("Reconciling")
if reconciling ~= nil and reconciling.status == "True" then
  hs.status = "Progressing"
  hs.message = describe(reconciling, "Reconciling")
  return hs
end

if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(ready, "Ready")
  return hs
end

hs.status = "Progressing"
hs.message = describe(ready, "Waiting for Ready")
return hs
