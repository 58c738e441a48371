"""HTML forms for groups. They only parse input; the services decide and raise."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from groups.models import Group, JoinRequest, Membership
from moderation.forms import ScreenedTextMixin
from moderation.models import Scope
from profiles.models import User


class GroupForm(ScreenedTextMixin, forms.Form):
    """Create or edit a group. What the owner writes is screened with the "group descriptions"
    rules (only what changed); a hold rule refuses the name and address, which are shown
    wherever the group appears. Pass `author=request.user`."""

    screened_fields = {"name": Scope.GROUPS, "slug": Scope.GROUPS, "description": Scope.GROUPS}
    hold_refused_fields = frozenset({"name", "slug"})
    screen_changed_only = True

    name = forms.CharField(label=_("Name"), max_length=100)
    slug = forms.SlugField(
        label=_("Address"),
        max_length=100,
        required=False,
        help_text=_("The last part of the group's web address. Leave empty to make one from the name."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6, "data-screen-scope": Scope.GROUPS.value}),
        help_text=_("Markdown: **bold**, _italic_, lists and links."),
    )
    visibility = forms.ChoiceField(
        label=_("Who can see it"),
        choices=Group.Visibility.choices,
        initial=Group.Visibility.OPEN,
        widget=forms.RadioSelect,
    )
    cover = forms.FileField(
        label=_("Cover image"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
        help_text=_("JPEG, PNG, WebP or GIF. Wide images work best."),
    )
    remove_cover = forms.BooleanField(label=_("Remove the current cover image"), required=False)

    def __init__(self, *args, group: Group | None = None, **kwargs) -> None:
        self.group = group
        if group is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": group.name,
                "slug": group.slug,
                "description": group.description,
                "visibility": group.visibility,
            }
        super().__init__(*args, **kwargs)
        if group is None or not group.has_cover:
            del self.fields["remove_cover"]

    def add_service_error(self, error: ValidationError) -> None:
        """Show a service's ValidationError on the fields it names (or above the form)."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the group's admins (optional)"),
        required=False,
        max_length=JoinRequest._meta.get_field("message").max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Colleague's e-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "off", "placeholder": _("name@example.com")}),
    )

    def clean_email(self) -> User:
        email = self.cleaned_data["email"].strip().lower()
        invitee = User.objects.filter(email=email, is_active=True).first()
        if invitee is None:
            raise ValidationError(_("No active colleague has this e-mail address."))
        return invitee


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        choices=[(Membership.Role.ADMIN, _("Admin")), (Membership.Role.MEMBER, _("Member"))]
    )


class TransferOwnershipForm(forms.Form):
    new_owner = forms.ModelChoiceField(label=_("New owner"), queryset=Membership.objects.none())

    def __init__(self, *args, group: Group, actor: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["new_owner"]
        field.queryset = (
            Membership.objects.filter(group=group, user__is_active=True)
            .exclude(user=actor)
            .select_related("user")
            .order_by("user__display_name")
        )
        field.label_from_instance = lambda m: f"{m.user.display_name} ({m.user.email})"
