{{- define "ttes-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "ttes-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "ttes-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "ttes-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ttes-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "ttes-operator.labels" -}}
helm.sh/chart: {{ include "ttes-operator.chart" . }}
{{ include "ttes-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "ttes-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "ttes-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "ttes-operator.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* Leader election is not optional with several replicas: two active reconcilers would race on AWS. */}}
{{- define "ttes-operator.leaderElection" -}}
{{- if or .Values.leaderElection.enabled (gt (int .Values.replicas) 1) }}true{{ else }}false{{ end }}
{{- end }}

{{/*
The API calls the operator makes in a watched namespace. Keep in sync with the operator's code
and with ChartTest.EXPECTED_RULES (the test fails on any difference).
*/}}
{{- define "ttes-operator.rules" -}}
- apiGroups: ["ops.ttes.io"]
  resources: [ttesclusters, stackupgrades, tenantbootstraps, opstasks]
  verbs: [get, list, watch, patch, update]
# StackUpgrade and TenantBootstrap run their commands as OpsTasks they own.
- apiGroups: ["ops.ttes.io"]
  resources: [opstasks]
  verbs: [create, delete]
- apiGroups: ["ops.ttes.io"]
  resources: [ttesclusters/status, stackupgrades/status, tenantbootstraps/status, opstasks/status]
  verbs: [get, patch, update]
- apiGroups: ["ops.ttes.io"]
  resources: [ttesclusters/finalizers, stackupgrades/finalizers, tenantbootstraps/finalizers, opstasks/finalizers]
  verbs: [update]
# OpsTask secretArgs and admin passwords are read by name when a task starts; no list or watch,
# so the operator never caches every Secret of the namespace.
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
- apiGroups: [""]
  resources: [events]
  verbs: [create, get, update, patch]
# A StackUpgrade writes its plan as text to the ConfigMap <name>-plan it owns, and watches the
# ConfigMaps labelled ops.ttes.io/upgrade (only those are cached) to write one deleted by hand again.
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list, watch, create, update, patch]
{{- end }}
