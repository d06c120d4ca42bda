from django.contrib import admin

from .models import ProviderLink


@admin.register(ProviderLink)
class ProviderLinkAdmin(admin.ModelAdmin):
    list_display = ("user", "provider", "sub", "created", "last_login")
    list_filter = ("provider",)
    search_fields = ("sub", "user__username", "user__email")
    raw_id_fields = ("user",)
    readonly_fields = ("created", "last_login")
