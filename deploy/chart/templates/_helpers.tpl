{{- define "helm-unstick.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "helm-unstick.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "helm-unstick.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "helm-unstick.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "helm-unstick.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "helm-unstick.leaseName" -}}
{{- default (include "helm-unstick.fullname" .) .Values.lease.name -}}
{{- end -}}

{{/* The verbs on secrets the policy needs: delete for strategy delete (the default), update for mark-failed. */}}
{{- define "helm-unstick.secretWriteVerbs" -}}
{{- $verbs := list -}}
{{- if .Values.policy -}}
{{- range .Values.policy.rules -}}
{{- if eq (.action | default "alert") "fix" -}}
{{- if eq (.strategy | default "delete") "mark-failed" -}}
{{- $verbs = append $verbs "update" -}}
{{- else -}}
{{- $verbs = append $verbs "delete" -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $verbs | uniq | sortAlpha | join "," -}}
{{- end -}}

{{- define "helm-unstick.backupNamespace" -}}
{{- default .Release.Namespace .Values.backups.namespace -}}
{{- end -}}
