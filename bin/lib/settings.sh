# shellcheck shell=bash
# Reading osrun's settings in shell scripts as the osrun CLI reads them.
#
#   osrun_yes_no NAME VALUE   prints 1 or 0 for a yes/no setting: 1, true or yes; 0, false or no; in any case (an
#                             empty value is no). Anything else: an error naming NAME and the accepted words, status 2.
osrun_yes_no() {
  case "${2,,}" in
    1 | true | yes) echo 1 ;;
    0 | false | no | "") echo 0 ;;
    *)
      echo "osrun: $1 takes 1/0, true/false or yes/no; it is '$2'" >&2
      return 2
      ;;
  esac
}
